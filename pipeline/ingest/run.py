"""Run: the ingest driver and the run record. The spine reads top-down from here.

:func:`run_ingest` is the one driver every runner calls (the CLI, the Prefect ``ingest`` flow,
the scheduler, tests, benchmarks): it opens the run (closing runs whose process died as
``abandoned``), and for every chosen source discovers its candidates (``discover``), fetches
the new ones (``fetch``), which are parsed (``parse``) and stored (``store``) batch by batch;
one failing source never stops the others. Then it records the run: per source its counts,
health and listing validators. Publishing (feeds, alerts) follows (``publish``). The driver
owns the run's :class:`RunState`; the context it is given is configuration only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Collection, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine

from pipeline.ingest.discover import discover_source
from pipeline.ingest.fetch import fetch_source, with_due_retries
from pipeline.ingest.store import (
    open_run,
    record_run,
    register_sources,
    write_listing_log,
)
from pipeline.interrupt import StopSignals
from pipeline.run_state import (
    DISCOVERY_FAILED,
    DISCOVERY_OK,
    Discovery,
    IngestContext,
    IngestReport,
    RunState,
    SourceCounts,
    SourceRecord,
    health_status,
)
from scrapers.outcomes import GONE_STATUS_CODES, TRANSIENT_OUTCOMES, ErrorRecord, Outcome
from scrapers.sources import SourceConfig, select_sources
from storage.runs import INTERRUPTED
from storage.sources import STATUS_OK

log = logging.getLogger(__name__)
T = TypeVar("T")
Progress = Callable[..., None]
SourceResult = tuple[Discovery, SourceCounts]
#: Ingests the given sources for run ``run_id``; one result per source, in order.
SourceRunner = Callable[[list[SourceConfig], int], list[SourceResult]]


def _quiet(*args: Any, **kwargs: Any) -> None:
    return None


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
    stored (registering the sources and recording the run finish first: one transaction each):
    the sources still going are recorded ``interrupted`` (their health untouched), the run too,
    and ``report.signal`` says which signal.
    """
    sources = select_sources(ctx.config, source_names, include_disabled=bool(source_names))
    notify = progress or _quiet
    received: list[int] = []
    with StopSignals(received) if stop_on_signals else contextlib.nullcontext() as signals:
        run = RunState(ctx, begin_run(ctx.engine, ctx.trigger, [s.name for s in sources]))
        run.listing_log = []  # side by side, failed listings are logged many per insert
        try:
            if not received:
                register_sources(run, sources)
        except KeyboardInterrupt:  # a signal before any fetch: the run is closed, then it unwinds
            record_ingest(ctx.engine, run.run_id, [], interrupted=["(all)"])
            raise
        results = {s.name: (Discovery(source_name=s.name), SourceCounts()) for s in sources}
        finished: set[str] = set()
        if sources and run_sources is not None:
            for source, result in zip(sources, run_sources(sources, run.run_id), strict=True):
                results[source.name] = result
                finished.add(source.name)
        elif sources and not received:
            try:
                asyncio.run(_side_by_side(sources, run, notify, results, finished, signals))
            finally:
                write_listing_log(run)
        outcomes = [SourceOutcome(s, *results[s.name]) for s in sources]
        cut = {s.name for s in sources} - finished if received else set()
        # A signal stops the run even when every source had finished (nothing is published).
        report = record_ingest(
            ctx.engine, run.run_id, outcomes, interrupted=cut, stopped=bool(received)
        )
    report.signal = received[0] if received else None
    notify("run_done", report=report)
    return report


async def _side_by_side(
    sources: list[SourceConfig],
    run: RunState,
    notify: Progress,
    results: dict[str, tuple[Discovery, SourceCounts]],
    finished: set[str],
    signals: StopSignals | None,
) -> None:
    """Every source in one event loop with one client; a signal cancels what is still going."""
    async with open_client(run):
        work = asyncio.gather(*(_one_source(s, run, notify, results, finished) for s in sources))
        with signals.stopping(work) if signals else contextlib.nullcontext():
            try:
                await work
            except asyncio.CancelledError:
                if signals is None or not signals.received:
                    raise


def ingest_source(
    source: SourceConfig, ctx: IngestContext, run_id: int, progress: Progress | None = None
) -> SourceResult:
    """Discover, fetch and store one source of run ``run_id`` in its own event loop; failures
    are recorded in the result, never raised (what a runner's per-source unit of work calls)."""
    run = RunState(ctx, run_id)
    results = {source.name: (Discovery(source_name=source.name), SourceCounts())}
    in_loop(run, lambda: _one_source(source, run, progress or _quiet, results, set()))
    return results[source.name]


def begin_run(engine: Engine, trigger: str, source_names: list[str]) -> int:
    """Close the runs left behind by dead processes, then open this one; return its id."""
    return open_run(engine, trigger, source_names)


@asynccontextmanager
async def open_client(run: RunState) -> AsyncIterator[RunState]:
    """Give ``run`` a polite client for the current event loop, closed afterwards."""
    run.client = run.ctx.client_factory(run.ctx)
    try:
        yield run
    finally:
        client, run.client = run.client, None
        await client.aclose()


def in_loop(run: RunState, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``work`` in a fresh event loop with a client of its own."""

    async def main() -> T:
        async with open_client(run):
            return await work()

    return asyncio.run(main())


async def _one_source(
    source: SourceConfig,
    run: RunState,
    notify: Progress,
    results: dict[str, tuple[Discovery, SourceCounts]],
    finished: set[str],
) -> None:
    """Discover and fetch one source into ``results``; any failure is recorded, never raised
    (a cancellation is: the source is then left out of ``finished``)."""
    notify("source_start", source=source.name)
    discovery, counts = results[source.name]
    try:
        discovery = await discover_source(source, run)
        results[source.name] = (discovery, counts)
        counts.errors.extend(discovery.errors)
        notify("discovered", source=source.name, n=len(discovery.candidates))
        gone = discovery.status_code in GONE_STATUS_CODES  # no retries for a source gone
        await fetch_source(
            discovery.candidates if gone else with_due_retries(discovery.candidates, source, run),
            source,
            run,
            counts,
            lambda n, so_far: notify("fetched", source=source.name, n=n, counts=so_far),
        )
        if discovery.status != DISCOVERY_FAILED and discovery.outcome == Outcome.NOT_MODIFIED:
            counts.not_modified += 1
    except Exception as exc:  # one source must never stop the others: record why it failed
        log.exception("source %s failed", source.name)
        discovery.status = DISCOVERY_FAILED
        discovery.outcome = Outcome.INTERNAL_ERROR
        counts.errors.append(ErrorRecord(source.url, Outcome.INTERNAL_ERROR, repr(exc)))
    finished.add(source.name)
    status = health_status(discovery, counts)
    notify("source_done", source=source.name, counts=counts, status=status)


@dataclass(slots=True)
class SourceOutcome:
    """What one source's discovery and fetching produced."""

    source: SourceConfig
    discovery: Discovery
    counts: SourceCounts


def failed_discovery(source_name: str, url: str, exc: BaseException) -> Discovery:
    """A discovery whose unit of work failed after its retries (the reason is kept)."""
    return Discovery(
        source_name=source_name,
        status=DISCOVERY_FAILED,
        outcome=Outcome.INTERNAL_ERROR,
        errors=[ErrorRecord(url, Outcome.INTERNAL_ERROR, repr(exc))],
    )


def record_ingest(
    engine: Engine,
    run_id: int,
    outcomes: list[SourceOutcome],
    update_health: bool = True,
    interrupted: Collection[str] = (),
    stopped: bool = False,
) -> IngestReport:
    """Record each source's counts (and, unless ``update_health`` is off, its health) and close
    the run; return its report. A backfill leaves the health alone: it describes the live
    polling, not a walk through old days. The sources named in ``interrupted`` were stopped by
    a signal: their counts so far are kept as ``interrupted``, their health as it was; with
    ``stopped`` the run is ``interrupted`` even if every source had finished.

    A listing's new validators are kept only here, after every article it named is stored or
    failed for good: a run that dies before leaves the old ones, so the next poll reads the
    listing again; a listing with articles to retry is read in full next time."""
    report = IngestReport(run_id=run_id)
    records: list[SourceRecord] = []
    for outcome in outcomes:
        source, discovery, counts = outcome.source, outcome.discovery, outcome.counts
        report.sources[source.name] = counts
        if source.name in interrupted:
            report.source_status[source.name] = INTERRUPTED
            records.append(SourceRecord(source, counts, INTERRUPTED))
            continue
        status = health_status(discovery, counts)
        report.source_status[source.name] = status
        record = SourceRecord(source, counts, status, update_health=update_health)
        if status != STATUS_OK:
            record.health_line = health_summary(discovery, counts)
        if discovery.status == DISCOVERY_OK and (has_transient_failures(counts) or counts.waiting):
            # Failed articles are retried when due; a permanent refusal keeps the 304 path.
            record.reread = list(discovery.listing_urls)
        elif discovery.status == DISCOVERY_OK:
            record.validators = dict(discovery.validators)
        records.append(record)
    bad = [name for name, status in report.source_status.items() if status != STATUS_OK]
    if interrupted or stopped:
        report.status = INTERRUPTED
    elif outcomes and len(bad) == len(outcomes):
        report.status = "failed"
    elif bad or any(c.errors for c in report.sources.values()):
        report.status = "partial"
    record_run(engine, run_id, records, report.status)
    return report


def health_summary(discovery: Discovery, counts: SourceCounts) -> str:
    """The error text a source's health shows: the first error of the run."""
    for error in discovery.errors or counts.errors:
        return error.line()
    if counts.blocked_responses:
        return f"{counts.blocked_responses} article requests refused (403/429)"
    return f"{counts.unreachable_responses} article requests could not connect"


def has_transient_failures(counts: SourceCounts) -> bool:
    """Whether some article of the run failed in a way a later run may get past."""
    return any(error.outcome in TRANSIENT_OUTCOMES for error in counts.errors)
