"""The ingest tasks shared by the ``ingest`` and ``backfill`` flows: batches, never articles.

One task per source discovery and one per chunk of at most 50 URLs (Prefect costs 10–35 ms per
task run, too much per article). Tasks receive a database URL and a source name, never an
engine or HTML; their results (candidates, counts) stay in memory (``persist_result=False``).
Unexpected errors are retried with exponential backoff and jitter; HTTP-level retries are the
polite client's job.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import date
from functools import lru_cache
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NONE
from prefect.futures import PrefectFuture, as_completed
from prefect.tasks import exponential_backoff

from cli.settings import get_settings, make_processor
from flows.runtime import engine_for
from pipeline.ingest import (
    IngestContext,
    SourceResult,
    SourceRunner,
    discover_source,
    fetch_and_store,
    ingest_source,
)
from pipeline.ingest_record import failed_discovery
from pipeline.ingest_types import Discovery, SourceCounts
from pipeline.pacing_db import process_pacer
from pipeline.processor import Processor
from scrapers.candidates import Candidate
from scrapers.sources import SourceConfig, SourcesConfig, load_sources_file

CHUNK_SIZE = 50
RETRIES = 2
RETRY_DELAYS = exponential_backoff(backoff_factor=2)
RETRY_JITTER = 0.5


@lru_cache(maxsize=4)
def _load_config(path: str, mtime_ns: int) -> SourcesConfig:
    return load_sources_file(path)


def current_config() -> SourcesConfig:
    """The configured sources file (re-read when it changes on disk)."""
    path = Path(get_settings().sources_file)
    return _load_config(str(path), path.stat().st_mtime_ns if path.exists() else 0)


#: Processors (dedup/story state) shared by the sequential tasks of one backfill run, so the
#: rolling window is loaded once per run instead of once per chunk (it grows with the backfill).
_RUN_PROCESSORS: dict[tuple[str, int], Processor] = {}
_RUN_PROCESSORS_LOCK = threading.Lock()


def run_processor(db_url: str, run_id: int) -> Processor:
    """The processor shared by one run's tasks in this process (built on first use)."""
    with _RUN_PROCESSORS_LOCK:
        key = (db_url, run_id)
        if key not in _RUN_PROCESSORS:
            _RUN_PROCESSORS[key] = make_processor(get_settings())
        return _RUN_PROCESSORS[key]


def release_processor(db_url: str, run_id: int) -> None:
    """Drop a finished run's shared processor."""
    with _RUN_PROCESSORS_LOCK:
        _RUN_PROCESSORS.pop((db_url, run_id), None)


def make_context(
    db_url: str,
    run_id: int | None,
    refetch: bool,
    trigger: str,
    share_processor: bool = False,
) -> IngestContext:
    """The ingest context of one task (cheap: the engine and config are cached per process).

    Without ``share_processor`` each task warms its own processor from the database, so tasks
    running side by side see each other's committed articles; a run whose tasks run one after
    another (a backfill) shares one instead.
    """
    engine = engine_for(db_url)
    settings = get_settings()
    if share_processor and run_id is not None:
        processor = run_processor(db_url, run_id)
    else:
        processor = make_processor(settings)
    return IngestContext(
        processor=processor,
        engine=engine,
        config=current_config(),
        run_id=run_id,
        refetch=refetch,
        trigger=trigger,
        chunk_size=CHUNK_SIZE,
        # One pacer for every task of this process (parallel chunks still space requests per
        # host), shared with other processes through the database when NEWSMON_PACER says so.
        pacer=process_pacer(engine, settings.pacer),
    )


def chunks(candidates: list[Candidate], size: int = CHUNK_SIZE) -> list[list[Candidate]]:
    """``candidates`` in batches of at most ``size`` (one fetch task each)."""
    return [candidates[i : i + size] for i in range(0, len(candidates), size)]


@task(
    name="discover",
    task_run_name="discover-{source_name}",
    retries=RETRIES,
    retry_delay_seconds=RETRY_DELAYS,
    retry_jitter_factor=RETRY_JITTER,
    cache_policy=NONE,
    persist_result=False,
)
def discover_task(
    db_url: str,
    source_name: str,
    run_id: int | None,
    refetch: bool = False,
    day: date | None = None,
    trigger: str = "prefect",
) -> Discovery:
    """Read one source's listing (feed, sitemap, or the archive page of ``day``)."""
    ctx = make_context(db_url, run_id, refetch, trigger)
    discovery = discover_source(ctx.config.get(source_name), ctx, day)
    get_run_logger().info(
        "%s%s: %s, %d candidates",
        source_name,
        f" {day.isoformat()}" if day else "",
        discovery.status,
        len(discovery.candidates),
    )
    return discovery


@task(
    name="fetch-chunk",
    task_run_name="fetch-{source_name}",
    retries=RETRIES,
    retry_delay_seconds=RETRY_DELAYS,
    retry_jitter_factor=RETRY_JITTER,
    cache_policy=NONE,
    persist_result=False,
)
def fetch_chunk_task(
    db_url: str,
    source_name: str,
    candidates: list[Candidate],
    run_id: int | None,
    refetch: bool = False,
    trigger: str = "prefect",
    share_processor: bool = False,
) -> SourceCounts:
    """Fetch, extract and store one chunk of a source's candidates (idempotent: safe to retry)."""
    ctx = make_context(db_url, run_id, refetch, trigger, share_processor)
    try:
        counts = fetch_and_store(candidates, ctx.config.get(source_name), ctx)
    except BaseException:
        if share_processor and run_id is not None:
            # Its in-memory state may hold articles whose transaction was rolled back: the
            # retry (or the next chunk) warms a fresh one from the database.
            release_processor(db_url, run_id)
        raise
    get_run_logger().info(
        "%s: %d candidates, %d new, %d known, %d failed",
        source_name,
        len(candidates),
        counts.new,
        counts.known,
        counts.failed,
    )
    return counts


def fetch_in_lanes(
    db_url: str,
    work: dict[str, list[Candidate]],
    run_id: int | None,
    refetch: bool,
    trigger: str,
    share_processor: bool = False,
) -> dict[str, tuple[SourceCounts, bool]]:
    """Fetch every source's candidates chunk by chunk: sources in parallel, each source's chunks
    one after another (a host is paced anyway, and one SQLite writer per source is enough).

    Returns per source its summed counts and whether a chunk failed after its retries (its
    candidates are then counted failed, with the reason).
    """
    lanes = {name: deque(chunks(candidates)) for name, candidates in work.items()}
    results = {name: (SourceCounts(), False) for name in work}
    running: dict[PrefectFuture[SourceCounts], tuple[str, int]] = {}

    def start_next(name: str) -> None:
        if lanes[name]:
            chunk = lanes[name].popleft()
            future = fetch_chunk_task.submit(
                db_url, name, chunk, run_id, refetch, trigger, share_processor
            )
            running[future] = (name, len(chunk))

    for name in lanes:
        start_next(name)
    while running:
        future = next(as_completed(list(running)))
        name, size = running.pop(future)
        counts, failed = results[name]
        try:
            counts.add(future.result())
        except Exception as exc:  # the chunk is counted failed with its reason; the rest go on
            failed = True
            counts.discovered += size
            counts.failed += size
            counts.errors.append({"url": name, "outcome": "internal_error", "error": repr(exc)})
        results[name] = (counts, failed)
        start_next(name)
    return results


@task(
    name="ingest-source",
    task_run_name="ingest-{source_name}",
    retries=RETRIES,
    retry_delay_seconds=RETRY_DELAYS,
    retry_jitter_factor=RETRY_JITTER,
    cache_policy=NONE,
    persist_result=False,
)
def ingest_source_task(
    db_url: str, source_name: str, run_id: int, refetch: bool, trigger: str
) -> SourceResult:
    """Discover, fetch and store one source (idempotent: a retry skips what is stored)."""
    ctx = make_context(db_url, run_id, refetch, trigger)
    discovery, counts = ingest_source(ctx.config.get(source_name), ctx)
    get_run_logger().info(
        "%s: %s, %d new, %d known, %d failed",
        source_name,
        discovery.status,
        counts.new,
        counts.known,
        counts.failed,
    )
    return discovery, counts


def source_tasks(db_url: str, refetch: bool, trigger: str) -> SourceRunner:
    """A ``run_sources`` for :func:`pipeline.ingest.run_ingest`: one task per source, run side
    by side; a task that fails after its retries is recorded as the source's failure."""

    def run(sources: list[SourceConfig], run_id: int) -> list[SourceResult]:
        futures = [
            ingest_source_task.submit(db_url, source.name, run_id, refetch, trigger)
            for source in sources
        ]
        results: list[SourceResult] = []
        for source, future in zip(sources, futures, strict=True):
            try:
                results.append(future.result())
            except Exception as exc:  # the others go on; the reason is kept
                results.append((failed_discovery(source.name, source.url, exc), SourceCounts()))
        return results

    return run
