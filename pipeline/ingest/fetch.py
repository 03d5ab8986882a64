"""Fetch: politeness, the known-URL skip and walls, then each page parsed and stored in turn.

A candidate is skipped before any request when any of its URLs is an alias of a stored article
(as listed, a redirect hop, a canonical), when its outlet's article id is stored already (the
short link and the slug URL of one NOS article share an id), when another source claimed the
URL or the id earlier in the run, or when it failed before and its retry is not due. Pages are
fetched concurrently under the polite client's per-host interval, parsed in a thread while
fetching goes on, and stored in candidate order as soon as they are parsed, a run of ready
pages per transaction (never held across an await). A consent redirect is refused before any
request to the consent host; a host that refused a connection is not tried again in the run.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from pipeline.article_store import Precomputed
from pipeline.ingest.parse import PARSE_THREADS, Parsed, parse_off_loop
from pipeline.ingest.store import (
    claim_across_runs,
    due_refusal_retries,
    forget_failures,
    known_state,
    on_host,
    store_pages,
    stored_validators,
)
from pipeline.run_state import KnownState, PageResult, RunState, SourceCounts
from processing.identity import article_key
from scrapers.candidates import Candidate, make_candidate, unique_candidates
from scrapers.fetch_result import FetchResult
from scrapers.outcomes import HOST_DOWN_OUTCOMES, POLICY_OUTCOMES, Outcome
from scrapers.sources import CONSENT_HOSTS, SourceConfig, normalize_host
from storage.fetchlog import Validators

log = logging.getLogger(__name__)

STORE_BATCH = 20  # pages stored per transaction (one bulk insert for the new ones)
STORE_WAIT_S = 0.1  # how long a short batch waits for the next page before it is stored
ChunkDone = Callable[[int, SourceCounts], None]  # (chunk size, the source's counts so far)


async def fetch_page(
    run: RunState,
    source: SourceConfig,
    url: str,
    etag: str | None = None,
    last_modified: str | None = None,
    accept: str = "html",
) -> FetchResult:
    """Fetch ``url`` for ``source`` politely (not logged: the caller logs it with its outcome)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in run.down_hosts:
        error = f"{host} was unreachable earlier in this run"
        return FetchResult(url, url, Outcome.CONNECT_ERROR, error=error, requested=False)
    fetched = await run.require_client().fetch(
        url,
        allowed_hosts=source.allowed_hosts,
        etag=etag,
        last_modified=last_modified,
        accept=accept,
        min_interval_s=source.interval_s(run.ctx.fetch_config),
    )
    if fetched.outcome in HOST_DOWN_OUTCOMES and host:
        log.info("%s is unreachable (%s); skipping it for the rest of the run", host, fetched.error)
        run.down_hosts.add(host)
    return fetched


async def fetch_source(
    candidates: list[Candidate],
    source: SourceConfig,
    run: RunState,
    counts: SourceCounts,
    on_chunk: ChunkDone | None = None,
) -> SourceCounts:
    """Fetch, parse and store all of ``source``'s candidates, ``chunk_size`` at a time, adding
    each chunk's counts to ``counts`` as it finishes (a failure keeps what earlier chunks
    stored; a chunk that raises stops the rest)."""
    size = max(1, run.ctx.chunk_size)
    for start in range(0, len(candidates), size):
        chunk = candidates[start : start + size]
        counts.add(await fetch_chunk(chunk, source, run))
        if on_chunk is not None:
            on_chunk(len(chunk), counts)
    return counts


def with_due_retries(
    candidates: list[Candidate], source: SourceConfig, run: RunState
) -> list[Candidate]:
    """``candidates`` and, after them, the due retries of pages refused for now on the
    source's hosts (a wall, no article yet) that the listing did not name (it may have
    answered 304): a retry does not wait for the feed to change."""
    listed = {candidate.canonical_url for candidate in candidates}
    due = [url for url in due_refusal_retries(run, source) if url not in listed]
    return candidates + [make_candidate(url, source.name, source.kind) for url in due]


@dataclass(slots=True)
class Selection:
    """The candidates to fetch, and the ones of them due for a retry."""

    todo: list[Candidate] = field(default_factory=list)
    retrying: set[str] = field(default_factory=set)  # canonical URLs
    waiting: int = 0  # skipped because their retry is not due yet


async def fetch_chunk(
    candidates: list[Candidate], source: SourceConfig, run: RunState
) -> SourceCounts:
    """Fetch the new candidates of ``source``, parse and store them; return the counts."""
    counts = SourceCounts(discovered=len(candidates))
    unique = unique_candidates(candidates)
    counts.known += len(candidates) - len(unique)
    pattern = source.id_pattern()
    keys = {c.canonical_url: article_key(c.canonical_url, pattern) for c in unique}
    validators: dict[str, Validators] = {}
    if run.ctx.refetch:  # a re-check fetches known URLs too, conditionally
        selection = Selection(todo=claim(run, list(unique), keys))
        validators = stored_validators(run, [c.url for c in selection.todo])
    else:
        known = known_state(run, unique, keys)
        selection = select_new(run, known, unique, keys)
    counts.waiting += selection.waiting
    counts.known += len(unique) - len(selection.todo)
    if selection.todo:
        recheck = None if run.ctx.refetch else selection.retrying
        free = claim_across_runs(run, selection.todo, keys, recheck)
        # Another run is fetching the rest: the listing stays unsettled until they are stored.
        counts.waiting += len(selection.todo) - len(free)
        selection.todo = free
    if selection.todo:
        await _fetch_parse_store(run, source, selection, validators, counts)
    return counts


def select_new(
    run: RunState, known: KnownState, unique: Sequence[Candidate], keys: dict[str, str | None]
) -> Selection:
    """The candidates of ``unique`` (one per canonical URL) that need a fetch; claims them."""
    now = run.ctx.clock()
    selection = Selection()
    recovered: list[str] = []
    for candidate in unique:
        url, key = candidate.canonical_url, keys[candidate.canonical_url]
        stored = known.by_alias.get(url) or (known.by_key.get(key) if key else None)
        state = known.retries.get(url)
        if state is not None:
            due = state.next_retry_at is not None and state.next_retry_at <= now
            if stored is not None and stored not in known.teasers:
                recovered.append(url)  # read meanwhile under another of its URLs
            elif due:
                selection.todo.append(candidate)
                selection.retrying.add(url)
            elif state.next_retry_at is not None and state.last_outcome not in POLICY_OUTCOMES:
                selection.waiting += 1
            continue
        if stored is not None or url in known.known or candidate.url in known.known:
            continue
        selection.todo.append(candidate)
    if recovered:
        forget_failures(run, recovered)
    selection.todo = claim(run, selection.todo, keys)
    return selection


def claim(run: RunState, todo: list[Candidate], keys: dict[str, str | None]) -> list[Candidate]:
    """Drop what this run took on already (by URL or article id); claim the rest."""
    kept: list[Candidate] = []
    for candidate in todo:
        key = keys.get(candidate.canonical_url)
        if candidate.canonical_url in run.claimed or (key and key in run.claimed_keys):
            continue
        run.claimed.add(candidate.canonical_url)
        if key:
            run.claimed_keys.add(key)
        kept.append(candidate)
    return kept


async def _fetch_parse_store(
    run: RunState,
    source: SourceConfig,
    selection: Selection,
    validators: dict[str, Validators],
    counts: SourceCounts,
) -> None:
    """Fetch and parse the selection concurrently; store the results in order, in batches."""
    limiter = asyncio.Semaphore(PARSE_THREADS)
    tasks = deque(
        asyncio.ensure_future(_one(run, source, c, validators.get(c.url), limiter))
        for c in selection.todo
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
            store_pages(run, source, ready, counts, selection.retrying)
            await asyncio.sleep(0)  # let finished fetches and parses come in
    finally:
        if tasks:  # storing failed: do not leave fetches running
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


async def _one(
    run: RunState,
    source: SourceConfig,
    candidate: Candidate,
    validators: Validators | None,
    limiter: asyncio.Semaphore,
) -> PageResult:
    fetched = await fetch_page(
        run,
        source,
        candidate.url,
        etag=validators.etag if validators else None,
        last_modified=validators.last_modified if validators else None,
    )
    result = PageResult(candidate, fetched, outcome=fetched.outcome, error=fetched.error)
    wall_host = consent_wall(fetched, source)
    if wall_host is not None:
        result.outcome = Outcome.CONSENT_WALL
        result.error = f"redirects to {wall_host} (a consent wall: not fetched)"
        return result
    if fetched.outcome != Outcome.OK or fetched.body is None:
        return result
    body = fetched.body
    result.fetched = replace(fetched, body=None)  # the HTML goes no further than extraction
    final_url = fetched.final_url or candidate.url
    tagger = run.get_processor().tagger  # a broken taxonomy fails the chunk, as in the store
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
    result.teaser, result.pending = parsed.teaser, parsed.pending
    if parsed.page is not None and parsed.text_hash is not None:
        document = f"{parsed.title}\n{parsed.page.text}"
        result.precomputed = Precomputed(parsed.text_hash, parsed.minhash, document, parsed.tags)
    return result


def consent_wall(fetched: FetchResult, source: SourceConfig) -> str | None:
    """The host an article URL redirected off to when that is a consent wall (refused, never
    fetched): a known consent host, or any host where the source or its outlet has a consent
    wall. Another off-host redirect is just that (``off_host``), not a reason for a teaser."""
    if fetched.outcome != Outcome.OFF_HOST or not fetched.redirects:
        return None
    target = fetched.redirects[-1]
    if on_host(target, source):
        return None
    host = normalize_host(urlsplit(target).hostname or "")
    walled = source.wall == "consent" or source.outlet().wall == "consent"
    if host not in CONSENT_HOSTS and not walled:
        return None
    return host or target
