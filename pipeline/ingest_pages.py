"""Fetch, extract and store a batch of candidates of one source.

Candidates known under any URL or id, or whose retry is not due, are skipped before any request
(``pipeline.ingest_known``); a consent redirect or a paywalled page gives the feed's teaser
(``pipeline.ingest_walls``). Pages are fetched concurrently under the polite client's per-host
interval and parsed in a thread (``pipeline.page_parse``) while fetching goes on. They are
stored in candidate order as soon as they are parsed, a run of ready pages per transaction,
never held across an await (parallel sources never wait on each other's SQLite lock), through
``pipeline.store_batch``: one bad record cannot undo the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from pipeline.ingest_client import IngestContext, fetch_page, log_fetch
from pipeline.ingest_known import claim_all, remember, select_new, stored_as
from pipeline.ingest_types import BLOCKED_STATUS_CODES, UNREACHABLE_OUTCOMES, SourceCounts
from pipeline.ingest_walls import CONSENT_WALL, WALL_OUTCOMES, consent_wall
from pipeline.page_parse import PARSE_THREADS, Parsed, article_title, parse_off_loop
from pipeline.store import DUPLICATE, Precomputed
from pipeline.store_batch import BatchItem, store_batch
from pipeline.store_identity import PageIdentity, settle_identities
from processing.urls import canonicalize_url
from scrapers.candidates import Candidate, unique_candidates
from scrapers.dates import resolve_date
from scrapers.extract import ExtractedPage, PageMetadata
from scrapers.fetch_result import FetchResult, Outcome
from scrapers.sources import SourceConfig
from scrapers.teasers import teaser_record
from storage.articles import INSERTED, NEW_VERSION, UNCHANGED
from storage.db import session_scope
from storage.fetchlog import Validators, get_validators, set_validators
from storage.records import ArticleRecord

log = logging.getLogger(__name__)

STORE_BATCH = 20  # pages stored per transaction (one bulk insert for the new ones)
STORE_WAIT_S = 0.1  # how long a short batch waits for the next page before it is stored
MAX_ERRORS_KEPT = 200  # per batch, so a dead source cannot bloat the run row


@dataclass(slots=True)
class PageResult:
    """One candidate after fetch and extraction (no HTML kept)."""

    candidate: Candidate
    fetched: FetchResult
    page: ExtractedPage | None = None
    # ok | not_modified | no_article | parse_error | consent_wall | paywall | <fetch outcome>
    outcome: Outcome = Outcome.OK
    error: str | None = None
    precomputed: Precomputed | None = None
    stored: bool = False  # the page's article is stored (its validators may then be kept)
    article_id: int | None = None  # the stored article
    canonical_url: str | None = None  # the URL it is stored under
    teaser: PageMetadata | None = None  # a walled page's own title, date, byline, description


async def afetch_and_store(
    candidates: list[Candidate],
    source: SourceConfig,
    ctx: IngestContext,
) -> SourceCounts:
    """Fetch the new candidates of ``source``, extract and store them; return the counts."""
    counts = SourceCounts(discovered=len(candidates))
    unique = unique_candidates(candidates)
    counts.known += len(candidates) - len(unique)
    source_id = ctx.source_id(source)
    validators: dict[str, Validators] = {}
    retrying: set[str] = set()
    with session_scope(ctx.engine) as session:
        if ctx.refetch:
            claimed = set(claim_all(ctx, source, unique))
            todo = [c for c in unique if c.canonical_url in claimed]
            for candidate in todo:
                found = get_validators(session, candidate.url)
                if found is not None:
                    validators[candidate.url] = found
        else:
            selection = select_new(session, ctx, source, unique)
            todo, retrying = selection.todo, selection.retrying
            counts.waiting += selection.waiting
    counts.known += len(unique) - len(todo)

    if todo:
        limiter = asyncio.Semaphore(PARSE_THREADS)
        await _fetch_parse_store(
            ctx, source, todo, validators, limiter, counts, source_id, retrying
        )
    return counts


async def _fetch_parse_store(
    ctx: IngestContext,
    source: SourceConfig,
    todo: list[Candidate],
    validators: dict[str, Validators],
    limiter: asyncio.Semaphore,
    counts: SourceCounts,
    source_id: int,
    retrying: set[str],
) -> None:
    """Fetch and parse ``todo`` concurrently; store the results in order, in batches."""
    tasks = deque(
        asyncio.ensure_future(_one(ctx, source, c, validators.get(c.url), limiter)) for c in todo
    )
    try:
        while tasks:
            ready = [await tasks.popleft()]
            while tasks and len(ready) < STORE_BATCH:
                if not tasks[0].done():
                    # Pages in flight: wait a moment, so stores come in batches, not one by one.
                    await asyncio.wait([tasks[0]], timeout=STORE_WAIT_S)
                    if not tasks[0].done():
                        break  # a slow page does not hold back the ones before it
                ready.append(tasks.popleft().result())
            with session_scope(ctx.engine) as session:
                for result in ready:
                    _count_response(result.fetched, counts)
                _store_ready(session, ctx, source, ready, counts)
                # Logged after the batch's articles (same transaction): the rows then go out
                # in one flush at commit instead of one flush per article's savepoint.
                for result in ready:
                    _log_one(session, ctx, source_id, result)
                counts.waiting += remember(session, ctx, source, ready, retrying)
            await asyncio.sleep(0)  # let finished fetches and parses come in
    finally:
        if tasks:  # storing failed: do not leave fetches running
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


async def _one(
    ctx: IngestContext,
    source: SourceConfig,
    candidate: Candidate,
    validators: Validators | None,
    limiter: asyncio.Semaphore,
) -> PageResult:
    fetched = await fetch_page(
        ctx,
        source,
        candidate.url,
        etag=validators.etag if validators else None,
        last_modified=validators.last_modified if validators else None,
    )
    result = PageResult(candidate, fetched, outcome=fetched.outcome, error=fetched.error)
    wall_host = consent_wall(fetched, source)
    if wall_host is not None:
        result.outcome = CONSENT_WALL
        result.error = f"redirects to {wall_host} (a consent wall: not fetched)"
        return result
    if fetched.outcome != Outcome.OK or fetched.body is None:
        return result
    body = fetched.body
    result.fetched = replace(fetched, body=None)  # the HTML goes no further than extraction
    final_url = fetched.final_url or candidate.url
    tagger = ctx.get_processor().tagger  # a broken taxonomy fails the chunk, as in the store
    async with limiter:
        try:
            parsed: Parsed = await parse_off_loop(
                body, fetched.content_type, final_url, candidate.title, tagger
            )
        except Exception as exc:  # a parser bug on one odd page must not sink the whole chunk
            log.exception("extracting %s failed unexpectedly", final_url)
            result.outcome, result.error = Outcome.PARSE_ERROR, f"{type(exc).__name__}: {exc}"
            return result
    result.page, result.outcome, result.error = parsed.page, parsed.outcome, parsed.error
    result.teaser = parsed.teaser
    if parsed.page is not None and parsed.text_hash is not None:
        document = f"{parsed.title}\n{parsed.page.text}"
        result.precomputed = Precomputed(parsed.text_hash, parsed.minhash, document, parsed.tags)
    return result


def _count_response(fetched: FetchResult, counts: SourceCounts) -> None:
    if not fetched.requested:
        return
    counts.fetched += 1
    if fetched.outcome == Outcome.BLOCKED or fetched.status_code in BLOCKED_STATUS_CODES:
        counts.blocked_responses += 1
    elif fetched.outcome in UNREACHABLE_OUTCOMES:
        counts.unreachable_responses += 1


def _log_one(session: Session, ctx: IngestContext, source_id: int, result: PageResult) -> None:
    """The page's fetch-log row, and (once its article is stored) its validators for re-checks."""
    log_fetch(session, ctx, source_id, result.fetched, result.outcome, result.error)
    fetched = result.fetched
    if result.stored and (fetched.etag or fetched.last_modified):
        # Kept for re-checks (``refetch``): an unchanged page then costs a 304.
        set_validators(session, result.candidate.url, fetched.etag, fetched.last_modified)


def _store_ready(
    session: Session,
    ctx: IngestContext,
    source: SourceConfig,
    ready: list[PageResult],
    counts: SourceCounts,
) -> None:
    """Store the parsed pages of ``ready`` (or count why not)."""
    items: list[BatchItem] = []
    stored_pages: list[PageResult] = []
    for result in ready:
        if result.outcome == Outcome.NOT_MODIFIED:
            counts.not_modified += 1
        elif result.outcome == Outcome.NO_ARTICLE:
            counts.no_article += 1
            _error(counts, result.candidate.url, Outcome.NO_ARTICLE, result.error)
        elif result.outcome in WALL_OUTCOMES:
            teaser = teaser_record(result.candidate, source.name, result.teaser)
            log.info("%s: %s (%s)", result.candidate.url, result.outcome, result.error)
            if teaser is None:
                counts.failed += 1
                _error(counts, result.candidate.url, result.outcome, "and no feed title")
                continue
            items.append(BatchItem(teaser, None, label=result.candidate.url))
            stored_pages.append(result)
        elif result.page is None:
            counts.failed += 1
            _error(counts, result.candidate.url, result.outcome, result.error)
        else:
            record = _record(result.page, result.candidate, source, counts)
            items.append(BatchItem(record, result.precomputed, label=result.candidate.url))
            stored_pages.append(result)
    settle_identities(
        session,
        [
            PageIdentity(item.record, r.fetched.final_url or r.candidate.url, r.precomputed)
            for item, r in zip(items, stored_pages, strict=True)
            if r.page is not None
        ],
        source.id_pattern(),
    )
    # A URL the page was listed or reached under may already name a stored article (a teaser
    # read at last): the page is that article.
    for item, canonical in zip(items, stored_as(session, stored_pages, source), strict=True):
        if canonical is not None:
            item.record.canonical_url = canonical
    outcomes = store_batch(session, items, ctx.get_processor())
    for item, stored, result in zip(items, outcomes, stored_pages, strict=True):
        if stored.action is None or stored.article_id is None:
            counts.failed += 1
            _error(counts, item.label, Outcome.STORE_ERROR, stored.error)
            continue
        result.stored = True
        result.article_id = stored.article_id
        result.canonical_url = item.record.canonical_url
        if stored.action in (INSERTED, DUPLICATE):
            # A duplicate is a new row too (stored with duplicate_of set), and counted as such.
            counts.new += 1
            counts.stored_ids.append(stored.article_id)
            if stored.duplicate:
                counts.duplicates += 1
        elif stored.action == NEW_VERSION:
            counts.updated += 1
            counts.stored_ids.append(stored.article_id)
        elif stored.action == UNCHANGED:
            counts.known += 1


def _record(
    page: ExtractedPage, candidate: Candidate, source: SourceConfig, counts: SourceCounts
) -> ArticleRecord:
    decision = resolve_date(
        candidate.published_at, candidate.date_source, page.published_at, page.url
    )
    for reason in decision.rejected:
        _error(counts, candidate.url, Outcome.BAD_DATE, reason)
    if decision.conflict:
        log.info("%s: date conflict %s", page.url, decision.conflict)
    return ArticleRecord(
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


def _error(counts: SourceCounts, url: str, outcome: Outcome, error: str | None) -> None:
    log.warning("%s: %s %s", url, outcome, error or "")
    if len(counts.errors) < MAX_ERRORS_KEPT:
        counts.errors.append({"url": url, "outcome": outcome, "error": error or outcome})
