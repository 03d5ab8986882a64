"""Fetch, extract and store a batch of candidates of one source.

Known canonical URLs are skipped before any request (unless re-check is asked for, in which
case the stored validators make it a conditional GET). Pages are fetched concurrently; the
polite client enforces the per-host interval and the global cap. Parsing (decode, extract,
text hash, MinHash) runs in worker processes (``pipeline.ingest_workers``), so fetching and
storing go on meanwhile. Pages are stored in candidate order as soon as they are parsed, a run
of ready pages per transaction (never held across an await, so parallel sources in one event
loop never wait on each other's SQLite lock), through ``pipeline.store_batch``: plainly new
articles in bulk, the others one by one, so one bad record cannot undo the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import dataclass

from sqlalchemy.orm import Session

from pipeline.ingest_client import Fetched, IngestContext, fetch_page, log_fetch
from pipeline.ingest_types import BLOCKED_STATUS_CODES, UNREACHABLE_OUTCOMES, SourceCounts
from pipeline.ingest_workers import PageParser, Parsed, article_title, page_parser
from pipeline.store import DUPLICATE, Precomputed
from pipeline.store_batch import BatchItem, store_batch
from processing.urls import canonicalize_url
from scrapers.candidates import Candidate, unique_candidates
from scrapers.dates import resolve_date
from scrapers.extract import ExtractedPage
from scrapers.sources import SourceConfig
from storage.articles import INSERTED, NEW_VERSION, UNCHANGED
from storage.db import session_scope
from storage.fetchlog import Validators, get_validators, known_urls, set_validators
from storage.records import ArticleRecord

log = logging.getLogger(__name__)

EXTRACT_THREADS = 2  # pages parsed at once without worker processes
PAGES_QUEUED_PER_WORKER = 8  # parsed or waiting per worker process (bounds the bodies held)
STORE_BATCH = 20  # pages stored per transaction (one bulk insert for the new ones; 10 cost
# 0.35 ms more CPU per page in commits and per-batch look-ups)
STORE_WAIT_S = 0.1  # how long a short batch waits for the next page before it is stored
MAX_ERRORS_KEPT = 200  # per batch, so a dead source cannot bloat the run row


@dataclass(slots=True)
class PageResult:
    """One candidate after fetch and extraction (no HTML kept)."""

    candidate: Candidate
    fetched: Fetched
    page: ExtractedPage | None = None
    outcome: str = "ok"  # ok | not_modified | no_article | parse_error | <fetch outcome>
    error: str | None = None
    precomputed: Precomputed | None = None


class ParserShare:
    """The page parser and the cap on pages queued at it, shared by the chunks of one source.

    Opened on the first chunk that has pages to fetch (a re-poll whose items are all stored
    starts no worker), closed by the owner with :meth:`aclose`.
    """

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._stack = contextlib.AsyncExitStack()
        self._opening = asyncio.Lock()
        self._opened: tuple[PageParser, asyncio.Semaphore] | None = None

    async def get(self, pages: int) -> tuple[PageParser, asyncio.Semaphore]:
        """The parser (opened for about ``pages`` pages on first use) and its queue cap."""
        async with self._opening:
            if self._opened is None:
                parser = await self._stack.enter_async_context(page_parser(self._workers, pages))
                queued = PAGES_QUEUED_PER_WORKER * parser.processes or EXTRACT_THREADS
                self._opened = (parser, asyncio.Semaphore(queued))
            return self._opened

    async def aclose(self) -> None:
        self._opened = None
        await self._stack.aclose()


async def afetch_and_store(
    candidates: list[Candidate],
    source: SourceConfig,
    ctx: IngestContext,
    share: ParserShare | None = None,
    handed_over: asyncio.Event | None = None,
    pages_hint: int = 0,
) -> SourceCounts:
    """Fetch the new candidates of ``source``, extract and store them; return the counts.

    ``share`` is the parser of the source's other chunks (default: one for this call only).
    ``handed_over`` is set once every page of this chunk is fetched and queued at the parser
    (or failed): the caller may then start the next chunk, which keeps the parser busy while
    this one finishes. ``pages_hint``: pages expected after this chunk (sizes the parser).
    """
    counts = SourceCounts(discovered=len(candidates))
    unique = unique_candidates(candidates)
    counts.known += len(candidates) - len(unique)
    source_id = ctx.source_id(source)
    validators: dict[str, Validators] = {}
    with session_scope(ctx.engine) as session:
        if ctx.refetch:
            for candidate in unique:
                found = get_validators(session, candidate.url)
                if found is not None:
                    validators[candidate.url] = found
            todo = unique
        else:
            known = known_urls(session, [c.canonical_url for c in unique], [c.url for c in unique])
            todo = [c for c in unique if c.canonical_url not in known and c.url not in known]
    todo = [c for c in todo if c.canonical_url not in ctx.claimed]
    ctx.claimed.update(c.canonical_url for c in todo)
    counts.known += len(unique) - len(todo)

    handover = _Handover(len(todo), handed_over)
    try:
        if not todo:
            return counts
        own = share is None
        share = share if share is not None else ParserShare(ctx.extract_workers)
        try:
            parser, limiter = await share.get(len(todo) + pages_hint)
            await _fetch_parse_store(
                ctx, source, todo, validators, parser, limiter, handover, counts, source_id
            )
        finally:
            if own:
                await share.aclose()
    finally:
        handover.finish()
    return counts


class _Handover:
    """Counts the chunk's pages not yet queued at the parser; sets the event at zero."""

    def __init__(self, pages: int, event: asyncio.Event | None) -> None:
        self.left = pages
        self.event = event

    def one(self) -> None:
        self.left -= 1
        if self.left <= 0:
            self.finish()

    def finish(self) -> None:
        if self.event is not None:
            self.event.set()


async def _fetch_parse_store(
    ctx: IngestContext,
    source: SourceConfig,
    todo: list[Candidate],
    validators: dict[str, Validators],
    parser: PageParser,
    limiter: asyncio.Semaphore,
    handover: _Handover,
    counts: SourceCounts,
    source_id: int,
) -> None:
    """Fetch and parse ``todo`` concurrently; store the results in order, in batches."""
    tasks = deque(
        asyncio.ensure_future(
            _one(ctx, source, c, validators.get(c.url), limiter, parser, handover)
        )
        for c in todo
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
    parser: PageParser,
    handover: _Handover,
) -> PageResult:
    fetched = await fetch_page(
        ctx,
        source,
        candidate.url,
        etag=validators.etag if validators else None,
        last_modified=validators.last_modified if validators else None,
    )
    result = PageResult(candidate, fetched, outcome=fetched.outcome, error=fetched.error)
    if fetched.outcome != "ok" or fetched.body is None:
        handover.one()
        return result
    body, fetched.body = fetched.body, None  # the HTML goes no further than extraction
    final_url = fetched.final_url or candidate.url
    tagger = ctx.get_processor().tagger  # a broken taxonomy fails the chunk, as in the store
    async with limiter:
        handover.one()
        try:
            parsed: Parsed = await parser.parse(
                body, fetched.content_type, final_url, candidate.title, tagger
            )
        except Exception as exc:  # a parser bug on one odd page must not sink the whole chunk
            log.exception("extracting %s failed unexpectedly", final_url)
            result.outcome, result.error = "parse_error", f"{type(exc).__name__}: {exc}"
            return result
    result.page, result.outcome, result.error = parsed.page, parsed.outcome, parsed.error
    if parsed.page is not None and parsed.text_hash is not None:
        document = f"{parsed.title}\n{parsed.page.text}"
        result.precomputed = Precomputed(parsed.text_hash, parsed.minhash, document, parsed.tags)
    return result


def _count_response(fetched: Fetched, counts: SourceCounts) -> None:
    if not fetched.requested:
        return
    counts.fetched += 1
    if fetched.outcome == "blocked" or fetched.status_code in BLOCKED_STATUS_CODES:
        counts.blocked_responses += 1
    elif fetched.outcome in UNREACHABLE_OUTCOMES:
        counts.unreachable_responses += 1


def _log_one(session: Session, ctx: IngestContext, source_id: int, result: PageResult) -> None:
    """The page's fetch-log row, and its validators for later re-checks."""
    log_fetch(session, ctx, source_id, result.fetched, result.outcome, result.error)
    fetched = result.fetched
    if fetched.outcome == "ok" and (fetched.etag or fetched.last_modified):
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
    for result in ready:
        if result.outcome == "not_modified":
            counts.not_modified += 1
        elif result.outcome == "no_article":
            counts.no_article += 1
            _error(counts, result.candidate.url, "no_article", result.error)
        elif result.page is None:
            counts.failed += 1
            _error(counts, result.candidate.url, result.outcome, result.error)
        else:
            record = _record(result.page, result.candidate, source, counts)
            items.append(BatchItem(record, result.precomputed, label=result.candidate.url))
    for item, stored in zip(items, store_batch(session, items, ctx.get_processor()), strict=True):
        if stored.action is None or stored.article_id is None:
            counts.failed += 1
            _error(counts, item.label, "store_error", stored.error)
        elif stored.action in (INSERTED, DUPLICATE):
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
        _error(counts, candidate.url, "bad_date", reason)
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


def _error(counts: SourceCounts, url: str, outcome: str, error: str | None) -> None:
    log.warning("%s: %s %s", url, outcome, error or "")
    if len(counts.errors) < MAX_ERRORS_KEPT:
        counts.errors.append({"url": url, "outcome": outcome, "error": error or outcome})
