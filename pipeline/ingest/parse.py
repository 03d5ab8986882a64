"""Parse: a fetched page (or a feed item's teaser) into the article record the store takes.

Decode + extract (+ text hash, MinHash, tags) run in a thread: parsing costs a few
milliseconds while every host is paced at one request a second or slower, so a thread keeps
the event loop fetching (no worker processes, nothing pickled). The thread gets the page bytes
and returns plain data; no HTML goes further. A page marked not free to read is not extracted
(a wall is never bypassed): what the page declares about itself is kept for the teaser
(``scrapers.teasers``), and a later poll that can read the page stores a new version.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from processing.dedup import hash_and_signature, signature_to_bytes
from processing.tagging import Tagger, TagResult
from processing.urls import canonicalize_url
from scrapers.candidates import Candidate
from scrapers.dates import resolve_date
from scrapers.errors import ExtractionError, NoArticleError
from scrapers.extract import ExtractedPage, PageMetadata, decode_html, extract_page, page_metadata
from scrapers.outcomes import Outcome
from scrapers.sources import SourceConfig
from scrapers.walls import page_paywall_marker
from storage.records import ArticleRecord

log = logging.getLogger(__name__)

PARSE_THREADS = 2  # pages parsed at once (more would only queue for the GIL)


@dataclass(slots=True)
class Parsed:
    """What parsing one page gave: the page, or the outcome and reason why there is none.

    ``title`` is the article title the store will use; ``text_hash``, ``minhash`` (signature
    bytes, None for a short text) and ``tags`` (of ``title`` + text, when a tagger was given)
    are computed next to extraction, so the store does not redo them on the event loop's core.
    """

    page: ExtractedPage | None
    outcome: Outcome = Outcome.OK  # ok | no_article | parse_error | paywall (error: the marker)
    error: str | None = None
    title: str = ""
    text_hash: str | None = None
    minhash: bytes | None = None
    tags: TagResult | None = None
    teaser: PageMetadata | None = None  # what a walled page says about itself
    pending: bool = False  # no article yet (a stub): tried again for a while, teaser kept


def article_title(page: ExtractedPage, candidate_title: str | None) -> str:
    """The page's title, else the feed's, else the first line of the text."""
    return page.title or candidate_title or page.text.split("\n", 1)[0][:200]


def parse_page(
    body: bytes,
    content_type: str | None,
    final_url: str,
    candidate_title: str | None = None,
    tagger: Tagger | None = None,
) -> Parsed:
    """Decode and extract one page; expected failures become outcomes, not exceptions.

    A page marked not free to read is not extracted (a wall is never bypassed): the caller
    stores a teaser of the feed item and what the page declares about itself (``teaser``).
    """
    html = decode_html(body, content_type)
    marker = page_paywall_marker(html, final_url)
    if marker is not None:
        try:
            teaser = page_metadata(html, final_url)
        except ExtractionError:
            teaser = None
        return Parsed(None, Outcome.PAYWALL, marker, teaser=teaser)
    try:
        page = extract_page(html, final_url)
    except NoArticleError as exc:
        return Parsed(None, Outcome.NO_ARTICLE, exc.reason, pending=exc.pending)
    except ExtractionError as exc:
        return Parsed(None, Outcome.PARSE_ERROR, exc.reason)
    title = article_title(page, candidate_title)
    digest, minhash = hash_and_signature(page.text)
    return Parsed(
        page,
        title=title,
        text_hash=digest,
        minhash=signature_to_bytes(minhash) if minhash is not None else None,
        tags=tagger.tag(f"{title}\n{page.text}") if tagger is not None else None,
    )


async def parse_off_loop(
    body: bytes,
    content_type: str | None,
    final_url: str,
    candidate_title: str | None = None,
    tagger: Tagger | None = None,
) -> Parsed:
    """:func:`parse_page` in a thread, so the event loop keeps fetching meanwhile."""
    return await asyncio.to_thread(
        parse_page, body, content_type, final_url, candidate_title, tagger
    )


def article_record(
    page: ExtractedPage, candidate: Candidate, source: SourceConfig
) -> tuple[ArticleRecord, list[str]]:
    """The record of an extracted page, and the dates rejected on the way (one line each)."""
    decision = resolve_date(
        candidate.published_at, candidate.date_source, page.published_at, page.url
    )
    if decision.conflict:
        log.info("%s: date conflict %s", page.url, decision.conflict)
    record = ArticleRecord(
        canonical_url=canonicalize_url(page.url),
        title=article_title(page, candidate.title),
        text=page.text,
        origin=candidate.origin,
        url=candidate.url,
        source_name=source.name,
        author=page.author,
        language=page.language,
        published_at=decision.published_at,
        date_precision=decision.precision,
        date_source=decision.source,
        date_conflict=decision.conflict,
    )
    return record, list(decision.rejected)
