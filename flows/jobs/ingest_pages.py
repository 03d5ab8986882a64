"""Fetch, extract and store a batch of candidates of one source.

Known canonical URLs are skipped before any request (unless re-check is asked for, in which
case the stored validators make it a conditional GET). Pages are fetched concurrently; the
polite client enforces the per-host interval and the global cap. Extraction runs in worker
threads, two at a time, so fetching goes on meanwhile. Everything is stored through
``flows.jobs.store.store_record`` in one transaction per batch, each article in a savepoint so
one bad record cannot undo the others.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from flows.jobs.ingest_client import Fetched, IngestContext, fetch_page, log_fetch
from flows.jobs.ingest_types import BLOCKED_STATUS_CODES, UNREACHABLE_OUTCOMES, SourceCounts
from flows.jobs.store import DUPLICATE, store_record
from processing.urls import canonicalize_url
from scrapers.candidates import Candidate, unique_candidates
from scrapers.dates import resolve_date
from scrapers.errors import ExtractionError, NoArticleError
from scrapers.extract import ExtractedPage, decode_html, extract_page
from scrapers.sources import SourceConfig
from storage.articles import INSERTED, NEW_VERSION, UNCHANGED
from storage.db import session_scope
from storage.fetchlog import Validators, get_validators, known_urls, set_validators
from storage.records import ArticleRecord

log = logging.getLogger(__name__)

EXTRACT_THREADS = 2
MAX_ERRORS_KEPT = 200  # per batch, so a dead source cannot bloat the run row


@dataclass(slots=True)
class PageResult:
    """One candidate after fetch and extraction (no HTML kept)."""

    candidate: Candidate
    fetched: Fetched
    page: ExtractedPage | None = None
    outcome: str = "ok"  # ok | not_modified | no_article | parse_error | <fetch outcome>
    error: str | None = None


async def afetch_and_store(
    candidates: list[Candidate], source: SourceConfig, ctx: IngestContext
) -> SourceCounts:
    """Fetch the new candidates of ``source``, extract and store them; return the counts."""
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

    limiter = asyncio.Semaphore(EXTRACT_THREADS)
    results = await asyncio.gather(
        *(_one(ctx, source, c, validators.get(c.url), limiter) for c in todo)
    )
    for result in results:
        _count_response(result.fetched, counts)
    with session_scope(ctx.engine) as session:
        for result in results:
            _store_one(session, ctx, source, source_id, result, counts)
    return counts


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
    if fetched.outcome != "ok" or fetched.body is None:
        return result
    body, fetched.body = fetched.body, None  # the HTML goes no further than extraction
    final_url = fetched.final_url or candidate.url
    async with limiter:
        try:
            result.page = await asyncio.to_thread(_extract, body, fetched.content_type, final_url)
        except NoArticleError as exc:
            result.outcome, result.error = "no_article", exc.reason
        except ExtractionError as exc:
            result.outcome, result.error = "parse_error", exc.reason
        except Exception as exc:  # a parser bug on one odd page must not sink the whole chunk
            log.exception("extracting %s failed unexpectedly", final_url)
            result.outcome, result.error = "parse_error", f"{type(exc).__name__}: {exc}"
    return result


def _extract(body: bytes, content_type: str | None, final_url: str) -> ExtractedPage:
    return extract_page(decode_html(body, content_type), final_url)


def _count_response(fetched: Fetched, counts: SourceCounts) -> None:
    if not fetched.requested:
        return
    counts.fetched += 1
    if fetched.outcome == "blocked" or fetched.status_code in BLOCKED_STATUS_CODES:
        counts.blocked_responses += 1
    elif fetched.outcome in UNREACHABLE_OUTCOMES:
        counts.unreachable_responses += 1


def _store_one(
    session: Session,
    ctx: IngestContext,
    source: SourceConfig,
    source_id: int,
    result: PageResult,
    counts: SourceCounts,
) -> None:
    """Log the fetch, then store the page (or count why not)."""
    candidate = result.candidate
    log_fetch(session, ctx, source_id, result.fetched, result.outcome, result.error)
    fetched = result.fetched
    if fetched.outcome == "ok" and (fetched.etag or fetched.last_modified):
        # Kept for re-checks (``refetch``): an unchanged page then costs a 304.
        set_validators(session, candidate.url, fetched.etag, fetched.last_modified)
    if result.outcome == "not_modified":
        counts.not_modified += 1
        return
    if result.outcome == "no_article":
        counts.no_article += 1
        _error(counts, candidate.url, "no_article", result.error)
        return
    if result.page is None:
        counts.failed += 1
        _error(counts, candidate.url, result.outcome, result.error)
        return
    record = _record(result.page, candidate, source, counts)
    try:
        with session.begin_nested():
            stored = store_record(session, record, ctx.get_processor())
    except SQLAlchemyError as exc:
        log.exception("storing %s failed", record.canonical_url)
        counts.failed += 1
        _error(counts, candidate.url, "store_error", str(exc).splitlines()[0])
        return
    if stored.action in (INSERTED, DUPLICATE):
        # A duplicate is a new row too (stored with duplicate_of set), and counted as such.
        counts.new += 1
        counts.stored_ids.append(stored.article.id)
        if stored.action == DUPLICATE or stored.article.duplicate_of is not None:
            counts.duplicates += 1
    elif stored.action == NEW_VERSION:
        counts.updated += 1
        counts.stored_ids.append(stored.article.id)
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
        title=page.title or candidate.title or page.text.split("\n", 1)[0][:200],
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
