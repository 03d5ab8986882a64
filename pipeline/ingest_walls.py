"""Walls: a consent redirect or a paywalled page gives the feed item's teaser, never a bypass.

A consent wall shows as a redirect to another host (DPG Media sends readers to its consent
host); the polite client refuses that hop before any request to it, so the consent page is
never fetched. A paywall shows as a marker on the fetched page (``scrapers.walls``). Either
way the feed item's title and description are stored as the article, with ``text_source``
``feed``; tagging and dedup treat it as any article. A later poll that can read the page stores
the page's text as a new version (``storage.articles.upsert_article``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pipeline.page_parse import PAYWALL
from scrapers.candidates import Candidate
from scrapers.dates import resolve_date
from scrapers.fetch_result import FetchResult, Outcome
from scrapers.sources import SourceConfig, normalize_host
from storage.models import TEXT_FROM_FEED
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


def teaser_record(candidate: Candidate, source: SourceConfig) -> ArticleRecord | None:
    """The feed item's title and description as an article, or None when it has no title."""
    if not candidate.title:
        return None
    decision = resolve_date(candidate.published_at, candidate.date_source, None, candidate.url)
    return ArticleRecord(
        canonical_url=candidate.canonical_url,
        title=candidate.title,
        text=candidate.summary or "",
        origin=candidate.origin,
        url=candidate.url,
        source_name=source.name,
        published_at=decision.published_at,
        date_precision=decision.precision,
        date_source=decision.source,
        date_conflict=decision.conflict,
        text_source=TEXT_FROM_FEED,
    )
