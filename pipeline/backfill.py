"""The backfill driver: walk archive day pages and sitemaps day by day, resumably.

A (source, day) is marked done in ``crawl_progress`` only after all its articles are stored, so
a run that is killed half-way and started again skips the finished days and re-reads the
unfinished one, whose stored articles are then known and not stored twice. The CLI and the
Prefect ``backfill`` flow both call :func:`run_backfill`; the flow passes ``walk_day`` to run
each source-day as a task.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from pipeline.ingest import IngestContext, adiscover_source, afetch_source, open_client
from pipeline.ingest_record import SourceOutcome, failed_discovery, record_ingest
from pipeline.ingest_types import DISCOVERY_FAILED, Discovery, IngestReport, SourceCounts
from pipeline.run_owner import begin_run
from scrapers.sources import SourceConfig
from storage.db import session_scope
from storage.progress import DONE, FAILED, done_days, forget_days, mark_day

log = logging.getLogger(__name__)


@dataclass(slots=True)
class DayResult:
    """One source-day of a backfill: its listing, its counts and how it ended."""

    source: str
    day: date
    discovery: Discovery
    counts: SourceCounts
    status: str  # storage.progress DONE | FAILED
    error: str | None = None

    def row(self) -> dict[str, object]:
        """The day as a table row (for artifacts and the CLI)."""
        return {
            "day": self.day.isoformat(),
            "source": self.source,
            "status": self.status,
            "discovered": len(self.discovery.candidates),
            "new": self.counts.new,
            "known": self.counts.known,
            "failed": self.counts.failed,
            "error": self.error or "",
        }


@dataclass(slots=True)
class BackfillReport:
    """What a backfill run did: the days walked, the days skipped, the run's report."""

    run: IngestReport
    days: list[DayResult] = field(default_factory=list)
    skipped: int = 0

    @property
    def failed(self) -> list[DayResult]:
        return [d for d in self.days if d.status == FAILED]


DayWalker = Callable[[SourceConfig, date, IngestContext], DayResult]
Progress = Callable[[int, int, DayResult], None]  # (days done, days to walk, the day)


def backfill_day(source: SourceConfig, day: date, ctx: IngestContext) -> DayResult:
    """Discover and store one source's day, then mark it done or failed (never raises: a
    failed day is walked again by the next backfill)."""
    counts = SourceCounts()
    ctx.down_hosts.clear()  # each day is a fresh chance for a host that failed the day before

    async def walk() -> Discovery:
        async with open_client(ctx):
            found = await adiscover_source(source, ctx, day)
            counts.errors.extend(found.errors)
            await afetch_source(found.candidates, source, ctx, counts)
            return found

    try:
        discovery = asyncio.run(walk())
        ok = discovery.status != DISCOVERY_FAILED
    except Exception as exc:  # the day is recorded as failed with its reason; the walk goes on
        log.exception("backfill of %s %s failed", source.name, day)
        discovery = failed_discovery(source.name, f"{source.name} {day.isoformat()}", exc)
        counts.errors.extend(discovery.errors)
        counts.failed += 1
        ctx.processor = None  # its in-memory state may hold rolled-back articles
        ok = False
    error = None if ok else counts.first_error() or "failed"
    with session_scope(ctx.engine) as session:
        mark_day(
            session,
            source.name,
            day,
            DONE if ok else FAILED,
            n_discovered=len(discovery.candidates),
            n_new=counts.new,
            error=error,
        )
    return DayResult(source.name, day, discovery, counts, DONE if ok else FAILED, error)


def run_backfill(
    ctx: IngestContext,
    sources: list[str],
    days: list[date],
    refetch: bool = False,
    progress: Progress | None = None,
    walk_day: DayWalker = backfill_day,
    should_stop: Callable[[], bool] | None = None,
) -> BackfillReport:
    """Walk ``days`` of ``sources`` oldest first, skipping days an earlier backfill finished
    (unless ``refetch``); record the run without touching the sources' polling health.
    ``should_stop`` is asked before each day (a stop was requested: the walk ends there, the
    days not walked stay to do). A stopped walk, or one a signal unwinds, closes the run as
    ``interrupted`` (the sources with days left are interrupted), never leaves it running."""
    todo: list[tuple[date, str]] = []
    skipped = 0
    with session_scope(ctx.engine) as session:
        for name in sources:
            if refetch:
                forget_days(session, name, days[0], days[-1])
            finished = done_days(session, name, days[0], days[-1])
            skipped += len(finished)
            todo.extend((day, name) for day in days if day not in finished)
    if ctx.run_id is None:
        ctx.run_id = begin_run(ctx.engine, ctx.trigger, sources)
    run_id = ctx.run_id
    todo.sort()
    totals = {name: SourceCounts() for name in sources}
    latest: dict[str, Discovery] = {}
    results: list[DayResult] = []

    def record(stopped_at: int | None) -> IngestReport:
        """Close the run; from ``stopped_at`` on, the days left make their sources interrupted."""
        left = {name for _, name in todo[stopped_at:]} if stopped_at is not None else set()
        outcomes = [
            SourceOutcome(ctx.config.get(n), latest.get(n) or Discovery(source_name=n), totals[n])
            for n in sources
        ]
        return record_ingest(ctx.engine, run_id, outcomes, update_health=False, interrupted=left)

    stopped_at: int | None = None
    for index, (day, name) in enumerate(todo):
        if should_stop is not None and should_stop():
            log.warning("backfill stopped before %s %s: a stop was requested", name, day)
            stopped_at = index
            break
        try:
            result = walk_day(ctx.config.get(name), day, ctx)
        except BaseException:  # a signal unwinding the walk (KeyboardInterrupt, Prefect's)
            try:
                record(index)
            except Exception:  # the signal goes on regardless; the next start reconciles
                log.exception("backfill run %s not recorded as interrupted", run_id)
            raise
        results.append(result)
        totals[name].add(result.counts)
        latest[name] = result.discovery
        if progress is not None:
            progress(index + 1, len(todo), result)
    report = record(stopped_at)
    return BackfillReport(report, results, skipped)
