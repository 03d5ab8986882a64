"""Store: every database session of the ingest opens here, and each batch is one transaction.

A batch of parsed pages is stored in candidate order: a page whose ``rel=canonical`` names
another stored article keeps its own URL (``processing.identity``); a URL it was listed or
reached under that names a stored article makes it that article (a teaser read at last); the
records go through :func:`pipeline.article_store.store_batch` (identity, dedup, story, tags);
then, in the same transaction, the fetch log, the aliases every stored article was listed and
reached under, and the next retry of each failure (doubling up to a day, given up after
``RETRY_GIVE_UP``). The run's own rows (start, per-source counts, health, validators) and the
reads the other stages need (validators, what is known) are written and read here too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pipeline.article_store import (
    DUPLICATE,
    BatchItem,
    canonical_of_aliases,
    settle_identities,
    store_batch,
)
from pipeline.ingest.parse import article_record
from pipeline.run_state import KnownState, PageResult, RunState, SourceCounts, SourceRecord
from processing.identity import article_key
from processing.urls import canonicalize_url, scheme_twin
from scrapers.candidates import Candidate
from scrapers.fetch_result import FetchResult
from scrapers.outcomes import (
    POLICY_OUTCOMES,
    WALL_OUTCOMES,
    Outcome,
    needs_retry,
    next_pending_retry,
    next_retry,
)
from scrapers.sources import SourceConfig, normalize_host
from scrapers.teasers import teaser_record
from storage.aliases import Alias, articles_by_alias, articles_by_key, record_aliases
from storage.articles import INSERTED, NEW_VERSION, UNCHANGED
from storage.claims import claim_fetches, release_claims
from storage.db import session_scope
from storage.fetchlog import (
    FetchEntry,
    Validators,
    known_urls,
    record_fetch,
    record_fetches,
    set_many_validators,
    validators_of,
)
from storage.models import TEASER_TEXT_SOURCES, Article, IngestRun, Source
from storage.records import ArticleRecord
from storage.retries import clear_failures, due_retries, record_failure, retry_states
from storage.runs import (
    INTERRUPTED,
    close_abandoned_runs,
    finish_run,
    record_many_source_counts,
    sources_recorded_after,
    start_run,
)
from storage.sources import (
    HealthUpdate,
    ListingState,
    SourceSetup,
    configure_sources,
    gone_reason,
    listing_move,
    listing_states,
    record_health,
    record_listing_gone,
    record_listing_move,
)

log = logging.getLogger(__name__)
LISTING_LOG_BATCH = 500  # failed listings' fetch-log rows held before one insert writes them
LISTING_LOG_HOLD = timedelta(seconds=2)  # ... or once the oldest held row is this old

RETRY_SWEEP_LIMIT = 500  # due refusals tried per source and run (the rest wait for the next)


def open_run(engine: Engine, trigger: str, source_names: list[str]) -> int:
    """Close the runs left behind by dead processes as abandoned, then open this one; its id."""
    with session_scope(engine) as session:
        close_abandoned_runs(session)
        return start_run(session, trigger=trigger, source_names=source_names).id


def source_row_id(run: RunState, source: SourceConfig) -> int:
    """The ``sources`` row id of ``source`` (created on first use, its configuration applied)."""
    if source.name not in run.source_ids:
        register_sources(run, [source])
    return run.source_ids[source.name]


def register_sources(run: RunState, sources: Sequence[SourceConfig]) -> None:
    """Every source's row id, its configuration applied, and its listing's stored validators:
    one transaction of a few statements for thousands of sources, not one each."""
    todo = [source for source in sources if source.name not in run.source_ids]
    polled = [s.url for s in todo if s.kind != "archive"]  # an archive day is read in full
    with session_scope(run.ctx.engine) as session:
        run.source_ids.update(configure_sources(session, [source_setup(s) for s in todo]))
        found = validators_of(session, polled)
        states = listing_states(session, [s.name for s in todo])
    run.listing_validators.update({url: found.get(url) for url in polled})
    run.listing_states.update({s.name: states.get(s.name, ListingState()) for s in todo})


def source_setup(source: SourceConfig) -> SourceSetup:
    """What a source's row keeps of its configuration."""
    return SourceSetup(source.name, source.kind, source.url, source.enabled, source.priority)


def stored_validators(run: RunState, urls: Sequence[str]) -> dict[str, Validators]:
    """The stored ETag / Last-Modified of each of ``urls`` that has them."""
    with session_scope(run.ctx.engine) as session:
        return validators_of(session, urls)


def listing_validators(run: RunState, url: str) -> Validators | None:
    """The stored ETag / Last-Modified of a listing (read at registration, else now)."""
    if url in run.listing_validators:
        return run.listing_validators[url]
    return stored_validators(run, [url]).get(url)


def log_listing(run: RunState, source_id: int, fetched: FetchResult) -> None:
    """The fetch-log row of a listing (feed, sitemap, day page). A run that keeps a
    ``listing_log`` holds failed listings' rows (thousands of dead sources: one insert per
    :data:`LISTING_LOG_BATCH` or :data:`LISTING_LOG_HOLD`, not a transaction each); a listing
    that was read is written at once, with the rows held."""
    entry = FetchEntry(
        url=fetched.url,
        outcome=fetched.outcome,
        source_id=source_id,
        run_id=run.run_id,
        final_url=fetched.final_url,
        status_code=fetched.status_code,
        error=fetched.error,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        n_bytes=fetched.n_bytes,
        elapsed_ms=fetched.elapsed_ms,
    )
    if run.listing_log is None:
        with session_scope(run.ctx.engine) as session:
            record_fetches(session, [entry])
        return
    run.listing_log.append(entry)
    read = fetched.outcome in (Outcome.OK, Outcome.NOT_MODIFIED)
    held = entry.requested_at - run.listing_log[0].requested_at
    if read or len(run.listing_log) >= LISTING_LOG_BATCH or held > LISTING_LOG_HOLD:
        write_listing_log(run)


def write_listing_log(run: RunState) -> None:
    """Write the fetch-log rows the run holds (one insert), e.g. before its run record."""
    if not run.listing_log:
        return
    entries, run.listing_log[:] = list(run.listing_log), []
    with session_scope(run.ctx.engine) as session:
        record_fetches(session, entries)


def log_fetch(
    session: Session,
    run: RunState,
    source_id: int | None,
    fetched: FetchResult,
    outcome: Outcome | None = None,
    error: str | None = None,
) -> None:
    """One fetch-log row; ``outcome``/``error`` override the fetch's (e.g. ``no_article``)."""
    record_fetch(
        session,
        url=fetched.url,
        outcome=outcome or fetched.outcome,
        source_id=source_id,
        run_id=run.run_id,
        final_url=fetched.final_url,
        status_code=fetched.status_code,
        error=error or fetched.error,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        n_bytes=fetched.n_bytes,
        elapsed_ms=fetched.elapsed_ms,
    )


def fetch_entry(run: RunState, source_id: int | None, result: PageResult) -> FetchEntry:
    """The fetch-log row of one page of a batch (its outcome and error may override the
    fetch's, e.g. ``no_article``)."""
    fetched = result.fetched
    return FetchEntry(
        url=fetched.url,
        outcome=result.outcome or fetched.outcome,
        source_id=source_id,
        run_id=run.run_id,
        final_url=fetched.final_url,
        status_code=fetched.status_code,
        error=result.error or fetched.error,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        n_bytes=fetched.n_bytes,
        elapsed_ms=fetched.elapsed_ms,
    )


def known_state(
    run: RunState, candidates: Sequence[Candidate], keys: dict[str, str | None]
) -> KnownState:
    """One read of everything known about ``candidates`` (``keys``: their article id keys),
    under either scheme (``http``/``https`` of one URL are one page for identity)."""
    urls = [c.canonical_url for c in candidates]
    twins = {twin: url for url in urls if (twin := scheme_twin(url)) is not None}
    with session_scope(run.ctx.engine) as session:
        state = KnownState(
            known=known_urls(session, [*urls, *twins], [c.url for c in candidates]),
            by_alias=articles_by_alias(session, [*urls, *twins]),
            by_key=articles_by_key(session, [key for key in keys.values() if key]),
            retries=retry_states(session, urls),
        )
        for twin, url in twins.items():
            if twin in state.known:
                state.known.add(url)
            if twin in state.by_alias:
                state.by_alias.setdefault(url, state.by_alias[twin])
        for url in state.retries:  # only a URL owed a retry asks whether it is a teaser
            key = keys.get(url)
            article_id = state.by_alias.get(url) or (state.by_key.get(key) if key else None)
            article = session.get(Article, article_id) if article_id is not None else None
            if article is not None and article.text_source in TEASER_TEXT_SOURCES:
                state.teasers.add(article.id)
    return state


def claims_of(candidate: Candidate, key: str | None) -> list[str]:
    """What a fetch of ``candidate`` claims: its article id key (when its URL has one) and its
    canonical URL."""
    return [key, candidate.canonical_url] if key else [candidate.canonical_url]


def claim_across_runs(
    run: RunState, todo: list[Candidate], keys: dict[str, str | None], recheck: set[str] | None
) -> list[Candidate]:
    """The candidates of ``todo`` this run may fetch: none that a concurrent run is fetching
    (claimed in a committed row, ``storage.claims``). Unless ``recheck`` is None (a re-check
    run), what another run stored between our "is it known?" and our claim is given back too
    (that run released its claim in the commit that stored the article, so it is visible now);
    the canonical URLs in ``recheck`` are due retries (a teaser read again), fetched anyway."""
    groups = [claims_of(c, keys.get(c.canonical_url)) for c in todo]
    won = claim_fetches(run.ctx.engine, run.run_id, groups)
    free = [candidate for candidate, ok in zip(todo, won, strict=True) if ok]
    if recheck is None or not free:
        return free
    known = known_state(run, free, keys)
    stored = [
        c
        for c in free
        if c.canonical_url not in recheck
        and (
            c.canonical_url in known.by_alias
            or c.canonical_url in known.known
            or keys.get(c.canonical_url) in known.by_key
        )
    ]
    if stored:
        with session_scope(run.ctx.engine) as session:
            release_claims(
                session,
                run.run_id,
                [x for c in stored for x in claims_of(c, keys[c.canonical_url])],
            )
    return [c for c in free if c not in stored]


def forget_failures(run: RunState, urls: list[str]) -> None:
    """URLs read meanwhile under another of their URLs: no retry is owed any more."""
    with session_scope(run.ctx.engine) as session:
        clear_failures(session, urls)


def store_pages(
    run: RunState,
    source: SourceConfig,
    ready: list[PageResult],
    counts: SourceCounts,
    retrying: set[str],
) -> None:
    """Store one batch of pages in one transaction, with its fetch log, aliases and retries."""
    source_id = source_row_id(run, source)
    with session_scope(run.ctx.engine) as session:
        for result in ready:
            counts.count_response(result.fetched)
        _store_ready(session, run, source, ready, counts)
        # The batch's fetch log and validators: one Core statement each for the lot.
        record_fetches(session, [fetch_entry(run, source_id, r) for r in ready])
        # Kept for re-checks (``refetch``): an unchanged page then costs a 304.
        set_many_validators(
            session,
            {
                r.candidate.url: (r.fetched.etag, r.fetched.last_modified)
                for r in ready
                if r.stored and (r.fetched.etag or r.fetched.last_modified)
            },
        )
        counts.waiting += _remember(session, run, source, ready, retrying)
        # Released in the commit that stores the pages: a run claiming one of them next sees
        # it stored when it checks again (``claim_across_runs``).
        pattern = source.id_pattern()
        done = [
            claim
            for result in ready
            for claim in claims_of(
                result.candidate, article_key(result.candidate.canonical_url, pattern)
            )
        ]
        release_claims(session, run.run_id, done)


def _store_ready(
    session: Session,
    run: RunState,
    source: SourceConfig,
    ready: list[PageResult],
    counts: SourceCounts,
) -> None:
    """Store the parsed pages of ``ready`` (or count why not)."""
    items: list[BatchItem] = []
    stored_pages: list[PageResult] = []
    for result in ready:
        url = result.candidate.url
        if result.outcome == Outcome.NOT_MODIFIED:
            counts.not_modified += 1
        elif result.outcome == Outcome.NO_ARTICLE:
            counts.no_article += 1
            counts.keep_error(url, Outcome.NO_ARTICLE, result.error)
            teaser = pending_teaser(result, source)
            if teaser is not None:
                items.append(BatchItem(teaser, None, label=url))
                stored_pages.append(result)
        elif result.outcome in WALL_OUTCOMES:
            teaser = teaser_record(result.candidate, source.name, result.teaser)
            log.info("%s: %s (%s)", url, result.outcome, result.error)
            if teaser is None:
                counts.failed += 1
                counts.keep_error(url, result.outcome, "and no feed title")
                continue
            items.append(BatchItem(teaser, None, label=url))
            stored_pages.append(result)
        elif result.page is None:
            counts.failed += 1
            counts.keep_error(url, result.outcome, result.error)
        else:
            record, rejected = article_record(result.page, result.candidate, source)
            for reason in rejected:
                counts.keep_error(url, Outcome.BAD_DATE, reason)
            items.append(BatchItem(record, result.precomputed, label=url))
            stored_pages.append(result)
    pages = [
        (item, result.fetched.final_url or result.candidate.url)
        for item, result in zip(items, stored_pages, strict=True)
        if result.page is not None
    ]
    settle_identities(session, pages, source.id_pattern())
    # A URL the page was listed or reached under may already name a stored article (a teaser
    # read at last): the page is that article.
    reached = [_with_twins(reached_urls(result, source)) for result in stored_pages]
    for item, canonical in zip(items, canonical_of_aliases(session, reached), strict=True):
        if canonical is not None:
            item.record.canonical_url = canonical
    outcomes = store_batch(session, items, run.get_processor())
    for item, stored, result in zip(items, outcomes, stored_pages, strict=True):
        if stored.action is None or stored.article_id is None:
            counts.failed += 1
            counts.keep_error(item.label, Outcome.STORE_ERROR, stored.error)
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


def _remember(
    session: Session,
    run: RunState,
    source: SourceConfig,
    results: Sequence[PageResult],
    retrying: set[str],
) -> int:
    """Record the aliases of the stored articles of a batch, and its failures' next retries;
    return how many of them keep their listing from settling (retried, not refused)."""
    pattern = source.id_pattern()
    aliases: list[Alias] = []
    read: list[str] = []
    failed: list[PageResult] = []
    for result in results:
        url = result.candidate.canonical_url
        if result.article_id is not None:
            for alias in reached_urls(result, source):
                aliases.append(Alias(alias, result.article_id, article_key(alias, pattern)))
        if needs_retry(result.outcome, result.fetched.requested, result.pending):
            failed.append(result)
        elif url in retrying:
            read.append(url)
    record_aliases(session, aliases)
    if read:
        clear_failures(session, read)
    if not failed:
        return 0
    waiting = 0
    states = retry_states(session, [r.candidate.canonical_url for r in failed])
    now = run.ctx.clock()
    for result in failed:
        url = result.candidate.canonical_url
        state = states.get(url)
        failures = (state.failures if state is not None else 0) + 1
        if result.pending:
            when = next_pending_retry(failures, now)
        else:
            when = next_retry(failures, now, run.ctx.retry_base_s)
        record_failure(session, url, result.outcome, result.error, when, failures)
        # A wall is tried again when listed again, but settles its listing all the same.
        waiting += when is not None and result.outcome not in POLICY_OUTCOMES
    return waiting


def moved_listing(run: RunState, source: SourceConfig) -> str | None:
    """Where ``source``'s configured listing moved for good (a 301/308 seen before), if so
    (read at registration, else now)."""
    if source.name in run.listing_states:
        return run.listing_states[source.name].move(source.url)
    with session_scope(run.ctx.engine) as session:
        return listing_move(session, source.name, source.url)


def remember_listing_move(run: RunState, source: SourceConfig, moved_to: str) -> None:
    """Keep that ``source``'s configured listing answered a permanent redirect to
    ``moved_to``: the next poll requests ``moved_to`` directly."""
    with session_scope(run.ctx.engine) as session:
        row = session.get(Source, source_row_id(run, source))
        if row is not None:
            record_listing_move(session, row, source.url, moved_to)


def source_gone(run: RunState, source: SourceConfig) -> str | None:
    """Why ``source`` is not polled (its configured listing answered 410 Gone), or None
    (read at registration, else now)."""
    if source.name in run.listing_states:
        return run.listing_states[source.name].gone(source.url)
    with session_scope(run.ctx.engine) as session:
        return gone_reason(session, source.name, source.url)


def remember_listing_gone(run: RunState, source: SourceConfig) -> None:
    """Keep that ``source``'s listing answered 410 Gone: it is skipped from the next poll on,
    until its configured URL changes or it is re-enabled (``newsmon sources reenable``)."""
    with session_scope(run.ctx.engine) as session:
        row = session.get(Source, source_row_id(run, source))
        if row is not None:
            record_listing_gone(session, row, source.url)


def due_refusal_retries(run: RunState, source: SourceConfig) -> list[str]:
    """The URLs on ``source``'s hosts refused by policy for now (a wall, no article yet) whose
    retry is due: their listing settled, so an unchanged feed (a 304) would never name them."""
    if run.due_refusals is None:  # one query per run, not one per source (thousands)
        outcomes = [str(outcome) for outcome in POLICY_OUTCOMES]
        with session_scope(run.ctx.engine) as session:
            run.due_refusals = due_retries(session, run.ctx.clock(), outcomes, RETRY_SWEEP_LIMIT)
    return [url for url in run.due_refusals if on_host(url, source)]


def pending_teaser(result: PageResult, source: SourceConfig) -> ArticleRecord | None:
    """The feed teaser of a page that is no article yet (a stub), so the article exists until
    a later try reads the page; None for a page that is no article for good, or untitled."""
    if not result.pending:
        return None
    return teaser_record(result.candidate, source.name)


def _with_twins(urls: list[str]) -> list[str]:
    """``urls`` and their other-scheme forms, in order (each URL before its twin)."""
    return [u for url in urls for u in (url, scheme_twin(url)) if u is not None]


def on_host(url: str, source: SourceConfig) -> bool:
    """Whether ``url`` lies on one of the source's allowed hosts."""
    return normalize_host(urlsplit(url).hostname or "") in source.allowed_hosts


def reached_urls(result: PageResult, source: SourceConfig) -> list[str]:
    """The URLs (canonical form) the candidate was listed and reached under, on its hosts."""
    fetched = result.fetched
    urls = [result.candidate.canonical_url]
    urls += [hop for hop in fetched.redirects if on_host(hop, source)]
    if fetched.final_url and on_host(fetched.final_url, source):
        urls.append(fetched.final_url)
    if result.canonical_url:
        urls.append(result.canonical_url)
    return list(dict.fromkeys(canonicalize_url(url) for url in urls))


def record_run(engine: Engine, run_id: int, records: Sequence[SourceRecord], status: str) -> None:
    """Write each source's counts, validators and health, and close the run as ``status``: one
    transaction of a few statements, however many sources (an interrupted source keeps its
    counts only: not all stored, its validators are not kept, its health is left alone)."""
    with session_scope(engine) as session:
        run = session.get(IngestRun, run_id)
        if run is None:
            raise LookupError(f"ingest run {run_id} does not exist")
        done = [record for record in records if record.status != INTERRUPTED]
        changes: dict[str, tuple[str | None, str | None]] = {}
        for record in done:
            changes.update(dict.fromkeys(record.reread, (None, None)))
            changes.update(record.validators)
        set_many_validators(session, changes)
        ids = configure_sources(session, [source_setup(record.source) for record in done])
        newer = sources_recorded_after(session, run)  # overlapping later runs set their health
        health = [
            HealthUpdate(ids[r.source.name], r.health_line, r.status)
            for r in done
            if r.update_health and r.source.name not in newer
        ]
        record_health(session, health)
        rows = [
            (r.source.name, r.counts.as_counts(), [e.as_row() for e in r.counts.errors], r.status)
            for r in records
        ]
        record_many_source_counts(session, run, rows)
        finish_run(session, run, status)
