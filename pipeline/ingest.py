"""The ingest driver: discover each source's candidates, fetch and store the new ones.

Plain Python, no Prefect. :func:`run_ingest` is the one driver every runner calls (the CLI,
the Prefect ``ingest`` flow, the scheduler, tests, benchmarks): it starts the run, ingests
every chosen source (one failing source never stops the others) and records the run with its
per-source counts and health (runs left ``running`` by a dead process are closed as
``abandoned`` first). A runner that wants each source in its own unit of work (a Prefect
task) passes ``run_sources``, which calls :func:`ingest_source` per source.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import date
from typing import Any, TypeVar

from pipeline.ingest_client import IngestContext
from pipeline.ingest_discover import adiscover_source
from pipeline.ingest_pages import afetch_and_store
from pipeline.ingest_record import SourceOutcome, record_ingest
from pipeline.ingest_source import afetch_source
from pipeline.ingest_types import (
    DISCOVERY_FAILED,
    Discovery,
    IngestReport,
    SourceCounts,
    health_status,
)
from pipeline.interrupt import stop_on
from pipeline.run_owner import begin_run
from scrapers.candidates import Candidate
from scrapers.fetch_result import Outcome
from scrapers.sources import SourceConfig, select_sources

__all__ = [
    "Discovery",
    "IngestContext",
    "IngestReport",
    "SourceCounts",
    "adiscover_source",
    "afetch_and_store",
    "afetch_source",
    "discover_source",
    "fetch_and_store",
    "ingest_source",
    "open_client",
    "run_ingest",
]

log = logging.getLogger(__name__)
T = TypeVar("T")
Progress = Callable[..., None]
SourceResult = tuple[Discovery, SourceCounts]
#: Ingests the given sources for run ``run_id``; one result per source, in order.
SourceRunner = Callable[[list[SourceConfig], int], list[SourceResult]]


def _quiet(*args: Any, **kwargs: Any) -> None:
    return None


@asynccontextmanager
async def open_client(ctx: IngestContext) -> AsyncIterator[IngestContext]:
    """Give ``ctx`` a polite client for the current event loop, closed afterwards."""
    ctx.client = ctx.make_client()
    try:
        yield ctx
    finally:
        client, ctx.client = ctx.client, None
        await client.aclose()


def _run(ctx: IngestContext, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    async def main() -> T:
        async with open_client(ctx):
            return await work()

    return asyncio.run(main())


def discover_source(source: SourceConfig, ctx: IngestContext, day: date | None = None) -> Discovery:
    """Sync :func:`adiscover_source` (for callers without an event loop)."""
    return _run(ctx, lambda: adiscover_source(source, ctx, day))


def fetch_and_store(
    candidates: list[Candidate], source: SourceConfig, ctx: IngestContext
) -> SourceCounts:
    """Sync :func:`afetch_and_store` (for callers without an event loop)."""
    return _run(ctx, lambda: afetch_and_store(candidates, source, ctx))


def ingest_source(
    source: SourceConfig, ctx: IngestContext, progress: Progress | None = None
) -> SourceResult:
    """Discover, fetch and store one source in its own event loop; failures are recorded in
    the result, never raised (what a runner's per-source unit of work calls)."""
    results = {source.name: (Discovery(source_name=source.name), SourceCounts())}
    _run(ctx, lambda: _one_source(source, ctx, progress or _quiet, results, set()))
    return results[source.name]


def run_ingest(
    ctx: IngestContext,
    source_names: list[str] | None = None,
    progress: Progress | None = None,
    run_sources: SourceRunner | None = None,
    stop_on_signals: bool = False,
) -> IngestReport:
    """Ingest every enabled source (or those named), record the run and source health.

    By default the sources run side by side in one event loop; ``run_sources`` replaces that
    (a Prefect flow submits one task per source, each calling :func:`ingest_source`). With
    ``stop_on_signals`` (the CLI) SIGINT and SIGTERM stop the run after the batch being
    stored: the sources still going are recorded ``interrupted`` (their health untouched),
    the run too, and ``report.signal`` says which signal.
    """
    sources = select_sources(ctx.config, source_names, include_disabled=bool(source_names))
    notify = progress or _quiet
    if ctx.run_id is None:
        ctx.run_id = begin_run(ctx.engine, ctx.trigger, [s.name for s in sources])
    run_id = ctx.run_id
    for source in sources:
        ctx.source_id(source)
    results = {s.name: (Discovery(source_name=s.name), SourceCounts()) for s in sources}
    finished: set[str] = set()
    received: list[int] = []

    async def main() -> None:
        async with open_client(ctx):
            work = asyncio.gather(
                *(_one_source(s, ctx, notify, results, finished) for s in sources)
            )
            with stop_on(work, received) if stop_on_signals else contextlib.nullcontext():
                try:
                    await work
                except asyncio.CancelledError:
                    if not received:
                        raise

    if sources and run_sources is not None:
        for source, result in zip(sources, run_sources(sources, run_id), strict=True):
            results[source.name] = result
            finished.add(source.name)
    elif sources:
        asyncio.run(main())
    outcomes = [SourceOutcome(s, *results[s.name]) for s in sources]
    cut = {s.name for s in sources} - finished if received else set()
    report = record_ingest(ctx.engine, run_id, outcomes, interrupted=cut)
    report.signal = received[0] if received else None
    notify("run_done", report=report)
    return report


async def _one_source(
    source: SourceConfig,
    ctx: IngestContext,
    notify: Progress,
    results: dict[str, tuple[Discovery, SourceCounts]],
    finished: set[str],
) -> None:
    """Discover and fetch one source into ``results``; any failure is recorded, never raised
    (a cancellation is: the source is then left out of ``finished``)."""
    notify("source_start", source=source.name)
    discovery, counts = results[source.name]
    try:
        discovery = await adiscover_source(source, ctx)
        results[source.name] = (discovery, counts)
        counts.errors.extend(discovery.errors)
        notify("discovered", source=source.name, n=len(discovery.candidates))
        await afetch_source(
            discovery.candidates,
            source,
            ctx,
            counts,
            lambda n, so_far: notify("fetched", source=source.name, n=n, counts=so_far),
        )
        if discovery.status != DISCOVERY_FAILED and discovery.outcome == Outcome.NOT_MODIFIED:
            counts.not_modified += 1
    except Exception as exc:  # one source must never stop the others: record why it failed
        log.exception("source %s failed", source.name)
        discovery.status = DISCOVERY_FAILED
        discovery.outcome = Outcome.INTERNAL_ERROR
        counts.errors.append(
            {"url": source.url, "outcome": Outcome.INTERNAL_ERROR, "error": repr(exc)}
        )
    finished.add(source.name)
    notify(
        "source_done", source=source.name, counts=counts, status=health_status(discovery, counts)
    )
