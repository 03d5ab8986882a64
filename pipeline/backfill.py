"""The backfill driver: walk archive day pages and sitemaps day by day, resumably.

A (source, day) is marked done in ``crawl_progress`` only after all its articles are stored, so
a run that is killed half-way and started again skips the finished days and re-reads the
unfinished one, whose stored articles are then known and not stored twice. The CLI and the
Prefect ``backfill`` flow both call :func:`run_backfill`; the flow passes ``walk_day`` to run
each source-day as a task. Planning (which days, which sources, the checks of the form's
parameters) lives here too: :func:`plan_backfill`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from pipeline.ingest.discover import discover_source
from pipeline.ingest.fetch import fetch_source
from pipeline.ingest.run import (
    SourceOutcome,
    begin_run,
    failed_discovery,
    open_client,
    record_ingest,
)
from pipeline.run_state import (
    DISCOVERY_FAILED,
    Discovery,
    IngestContext,
    IngestReport,
    RunState,
    SourceCounts,
)
from processing.temporal import FIRST_DAY, LAST_DAY
from scrapers.sources import SourceConfig
from storage.db import session_scope
from storage.progress import DONE, FAILED, done_days, forget_days, mark_day

log = logging.getLogger(__name__)


#: Source kinds that can be walked day by day (an RSS feed only knows its latest items).
BACKFILL_KINDS = ("archive", "sitemap")


class BackfillParameterError(ValueError):
    """Backfill parameters that cannot run (the run fails at once with this message)."""


def backfill_source_names(sources: Sequence[SourceConfig]) -> tuple[str, ...]:
    """Names of the enabled sources a backfill can walk day by day, in config order."""
    return tuple(s.name for s in sources if s.kind in BACKFILL_KINDS and s.enabled)


@dataclass(frozen=True, slots=True)
class BackfillPlan:
    """A checked backfill: which sources, which days (oldest first), and the re-fetch switch."""

    start: date
    end: date
    sources: tuple[str, ...]
    refetch: bool

    @property
    def days(self) -> list[date]:
        """Every day of the range, oldest first."""
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def plan_backfill(
    start: date,
    end: date,
    sources: Sequence[str] | None,
    refetch: bool,
    choices: Sequence[str],
    max_days: int,
) -> BackfillPlan:
    """Check the parameters against the configuration; raise a clear error when they cannot run."""
    for name, day in (("start", start), ("end", end)):
        if not FIRST_DAY <= day <= LAST_DAY:
            raise BackfillParameterError(
                f"{name} date {day.isoformat()} is out of range: use a day from "
                f"{FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"
            )
    if end < start:
        raise BackfillParameterError(
            f"end date {end.isoformat()} is before start date {start.isoformat()}"
        )
    n_days = (end - start).days + 1
    if n_days > max_days:
        raise BackfillParameterError(
            f"{start.isoformat()}..{end.isoformat()} is {n_days} days; the configured maximum "
            f"is {max_days} days (schedule.backfill_max_days): split the range into smaller runs"
        )
    if not choices:
        raise BackfillParameterError("no enabled archive or sitemap source is configured")
    wanted = list(dict.fromkeys(sources or []))
    unknown = [name for name in wanted if name not in choices]
    if unknown:
        raise BackfillParameterError(
            f"unknown source(s) {', '.join(unknown)}; choose from {', '.join(choices)}"
        )
    return BackfillPlan(
        start=start, end=end, sources=tuple(wanted or choices), refetch=bool(refetch)
    )


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


DayWalker = Callable[[SourceConfig, date, RunState], DayResult]
Progress = Callable[[int, int, DayResult], None]  # (days done, days to walk, the day)


def backfill_day(source: SourceConfig, day: date, run: RunState) -> DayResult:
    """Discover and store one source's day, then mark it done or failed (never raises: a
    failed day is walked again by the next backfill)."""
    counts = SourceCounts()
    run.down_hosts.clear()  # each day is a fresh chance for a host that failed the day before

    async def walk() -> Discovery:
        async with open_client(run):
            found = await discover_source(source, run, day)
            counts.errors.extend(found.errors)
            await fetch_source(found.candidates, source, run, counts)
            return found

    try:
        discovery = asyncio.run(walk())
        ok = discovery.status != DISCOVERY_FAILED
    except Exception as exc:  # the day is recorded as failed with its reason; the walk goes on
        log.exception("backfill of %s %s failed", source.name, day)
        discovery = failed_discovery(source.name, f"{source.name} {day.isoformat()}", exc)
        counts.errors.extend(discovery.errors)
        counts.failed += 1
        run.processor = None  # its in-memory state may hold rolled-back articles
        ok = False
    error = None if ok else counts.first_error() or "failed"
    with session_scope(run.ctx.engine) as session:
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
    run = RunState(ctx, begin_run(ctx.engine, ctx.trigger, sources))
    run_id = run.run_id
    todo.sort()
    totals = {name: SourceCounts() for name in sources}
    latest: dict[str, Discovery] = {}
    results: list[DayResult] = []

    def record(stopped_at: int | None, signalled: bool = False) -> IngestReport:
        """Close the run; from ``stopped_at`` on, the days left make their sources interrupted
        (``signalled``: the run is interrupted even when the signal came after the last day)."""
        left = {name for _, name in todo[stopped_at:]} if stopped_at is not None else set()
        outcomes = [
            SourceOutcome(ctx.config.get(n), latest.get(n) or Discovery(source_name=n), totals[n])
            for n in sources
        ]
        return record_ingest(
            ctx.engine, run_id, outcomes, update_health=False, interrupted=left, stopped=signalled
        )

    stopped_at: int | None = None
    try:
        for index, (day, name) in enumerate(todo):
            if should_stop is not None and should_stop():
                log.warning("backfill stopped before %s %s: a stop was requested", name, day)
                stopped_at = index
                break
            result = walk_day(ctx.config.get(name), day, run)
            totals[name].add(result.counts)
            latest[name] = result.discovery
            results.append(result)  # last: ``len(results)`` days are counted in full
            if progress is not None:  # an API call, as long as a day's pages: signals land here too
                progress(index + 1, len(todo), result)
    except BaseException:  # a signal unwinding the walk (KeyboardInterrupt, Prefect's)
        try:
            record(len(results), signalled=True)
        except Exception:  # the signal goes on regardless; the next start reconciles
            log.exception("backfill run %s not recorded as interrupted", run_id)
        raise
    report = record(stopped_at)
    return BackfillReport(report, results, skipped)
