"""Walls: a consent redirect or a paywalled page gives the feed item's teaser, never a bypass.

A consent wall shows as a redirect to another host (DPG Media sends readers to its consent
host); the polite client refuses that hop before any request to it, so the consent page is
never fetched. A paywall shows as a marker on the fetched page (``scrapers.walls``); such a
page still says who wrote it, when, and what it is about (``scrapers.extract.page_metadata``).
Either way a teaser is stored as the article: the page's title, date and byline when it gave
them, and the feed item's description as text (``text_source`` ``feed``), else the page's own
(``page_meta``); tagging and dedup treat it as any article. A later poll that can read the
page stores the page's text as a new version (``storage.articles.upsert_article``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pipeline.page_parse import PAYWALL
from scrapers.candidates import Candidate
from scrapers.dates import resolve_date
from scrapers.extract import PageMetadata
from scrapers.fetch_result import FetchResult, Outcome
from scrapers.sources import SourceConfig, normalize_host
from storage.models import TEXT_FROM_FEED, TEXT_FROM_PAGE_META
from storage.records import ArticleRecord

CONSENT_WALL = Outcome.CONSENT_WALL
WALL_OUTCOMES = frozenset({CONSENT_WALL, PAYWALL})
OFF_HOST = Outcome.OFF_HOST


def on_host(url: str, source: SourceConfig) -> bool:
    """Whether ``url`` lies on one of the source's allowed hosts."""
    return normalize_host(urlsplit(url).hostname or "") in source.allowed_hosts


def consent_wall(fetched: FetchResult, source: SourceConfig) -> str | None:
    """The host an article URL redirected off to (refused, never fetched), else None."""
    if fetched.outcome != OFF_HOST or not fetched.redirects:
        return None
    target = fetched.redirects[-1]
    if on_host(target, source):
        return None
    return urlsplit(target).hostname or target


def teaser_record(
    candidate: Candidate, source: SourceConfig, page: PageMetadata | None = None
) -> ArticleRecord | None:
    """The teaser of a walled article: the feed item's and the walled ``page``'s title, date,
    byline and description, or None when neither names a title."""
    title = (page.title if page is not None else None) or candidate.title
    if not title:
        return None
    described = page.description if page is not None else None
    text_source = TEXT_FROM_FEED if candidate.summary or not described else TEXT_FROM_PAGE_META
    page_date = page.published_at if page is not None else None
    decision = resolve_date(candidate.published_at, candidate.date_source, page_date, candidate.url)
    return ArticleRecord(
        canonical_url=candidate.canonical_url,
        title=title,
        text=candidate.summary or described or "",
        author=page.author if page is not None else None,
        language=page.language if page is not None else None,
        origin=candidate.origin,
        url=candidate.url,
        source_name=source.name,
        published_at=decision.published_at,
        date_precision=decision.precision,
        date_source=decision.source,
        date_conflict=decision.conflict,
        text_source=text_source,
    )
