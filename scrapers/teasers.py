"""What a walled article is stored as: a teaser of what the feed and the page say about it.

A consent wall leaves only the feed item; a paywalled page still declares its title, date,
byline and description (``scrapers.extract.page_metadata``) although its text is not read. The
teaser takes the page's title, date and byline when it gave them, the feed item's description
as text (``text_source`` ``feed``), else the page's own description (``page_meta``). Tagging
and dedup treat it as any article; a later poll that can read the page replaces it with a new
version (``storage.articles.upsert_article``).
"""

from __future__ import annotations

from scrapers.candidates import Candidate
from scrapers.dates import resolve_date
from scrapers.extract import PageMetadata
from storage.models import TEXT_FROM_FEED, TEXT_FROM_PAGE_META
from storage.records import ArticleRecord


def teaser_record(
    candidate: Candidate, source_name: str, page: PageMetadata | None = None
) -> ArticleRecord | None:
    """The teaser of a walled article listed as ``candidate`` (``page``: what its walled page
    declares, None behind a consent wall), or None when neither names a title."""
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
        source_name=source_name,
        published_at=decision.published_at,
        date_precision=decision.precision,
        date_source=decision.source,
        date_conflict=decision.conflict,
        text_source=text_source,
    )
