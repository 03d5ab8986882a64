"""The ``backfill`` flow: walk archive day pages and sitemaps day by day, resumably.

Wiring only: :func:`pipeline.backfill.run_backfill` is the driver (resumable by day); the flow
checks the form's parameters, runs each source-day as a task, reports progress as a progress
artifact and the per-day results as a table artifact (``backfill-report``).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from types import FrameType
from typing import Any, cast
from uuid import UUID

from prefect import Flow, flow, get_run_logger, task
from prefect.artifacts import (
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NONE
from prefect.client.schemas.objects import State
from prefect.states import Failed

from composition.context import make_context
from composition.preflight import preflight
from composition.runtime import database_url
from composition.settings import current_config, get_settings
from flows.backfill_params import (
    END_FIELD,
    REFETCH_FIELD,
    SOURCES_FIELD,
    START_FIELD,
    given,
    source_choice_type,
)
from pipeline.backfill import (
    BackfillParameterError,
    DayResult,
    backfill_day,
    backfill_source_names,
    plan_backfill,
    run_backfill,
)
from pipeline.run_state import RunState
from pipeline.run_summary import report_rows
from scrapers.sources import SourceConfig

ARTIFACT_KEY = "backfill-report"
TRIGGER = "backfill"


@contextmanager
def noting_sigterm(stop: threading.Event) -> Iterator[None]:
    """While inside, SIGTERM also sets ``stop`` before the handler in place (Prefect's) runs, so
    the walk ends at the next day even when that handler's exception is lost."""
    try:
        previous = signal.getsignal(signal.SIGTERM)

        def note(signum: int, frame: FrameType | None) -> None:
            stop.set()
            if callable(previous):
                previous(signum, frame)

        signal.signal(signal.SIGTERM, note)
    except ValueError:  # not the main thread: signals are not ours to handle
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@task(name="backfill-day", task_run_name="{source.name}-{day}", cache_policy=NONE)
def backfill_day_task(source: SourceConfig, day: date, run: RunState) -> DayResult:
    """One source's day: listing, articles, then the day marked done or failed."""
    return backfill_day(source, day, run)


@flow(name="backfill", log_prints=False)
def backfill(
    start: date = START_FIELD,
    end: date = END_FIELD,
    sources: list[str] = SOURCES_FIELD,
    refetch: bool = REFETCH_FIELD,
) -> dict[str, Any] | State:
    """Fetch the articles of past days from NOS archive pages and sitemaps.

    Resumable: days an earlier backfill finished are skipped (unless re-fetch is on). Invalid
    input (end before start, a range over the configured maximum, an unknown source) fails the
    run at once with the reason.
    """
    logger = get_run_logger()
    preflight(get_settings())  # every setting checked before the first request
    config = current_config()
    try:
        plan = plan_backfill(
            start,
            end,
            given(sources),
            given(refetch),
            backfill_source_names(config.sources),
            config.schedule.backfill_max_days,
        )
    except BackfillParameterError as exc:  # a form mistake: its reason, no traceback
        logger.error("backfill not started: %s", exc)
        return Failed(message=str(exc))
    ctx = make_context(database_url(), plan.refetch, TRIGGER)
    progress_id = cast(
        UUID,
        create_progress_artifact(
            progress=0.0, description=f"backfill {plan.start}..{plan.end}: walking the days"
        ),
    )

    def progress(done: int, total: int, day: DayResult) -> None:
        update_progress_artifact(progress_id, progress=100.0 * done / total)
        logger.info("%s %s: %s, %d new", day.source, day.day, day.status, day.counts.new)

    stop = threading.Event()
    with noting_sigterm(stop):
        result = run_backfill(
            ctx,
            list(plan.sources),
            plan.days,
            plan.refetch,
            progress,
            walk_day=backfill_day_task,
            should_stop=stop.is_set,
        )
    if stop.is_set():
        # The signal was swallowed mid-day (asyncio's transports catch the exception Prefect's
        # handler raises): deliver it again here, outside any event loop, so the run ends.
        os.kill(os.getpid(), signal.SIGTERM)
    update_progress_artifact(
        progress_id,
        progress=100.0,
        description=(
            f"backfill {plan.start}..{plan.end}: done, {len(result.days)} day(s) walked, "
            f"{result.skipped} already done, {len(result.failed)} failed"
        ),
    )
    logger.info(
        "backfill %s..%s of %s: %d day(s) walked, %d already done",
        plan.start,
        plan.end,
        ", ".join(plan.sources),
        len(result.days),
        result.skipped,
    )
    if result.days:
        create_table_artifact(
            key=ARTIFACT_KEY,
            table=[day.row() for day in result.days],
            description=f"backfill {plan.start}..{plan.end}: {result.run.total_new} new",
        )
    if result.failed:
        logger.warning(
            "%d day(s) failed and will be walked again by the next backfill: %s",
            len(result.failed),
            ", ".join(f"{d.source} {d.day}" for d in result.failed[:10]),
        )
    return {
        "run_id": result.run.run_id,
        "days_done": len(result.days) - len(result.failed),
        "days_failed": len(result.failed),
        "days_skipped": result.skipped,
        "new": result.run.total_new,
        "sources": report_rows(result.run.sources, result.run.source_status),
    }


def backfill_form(choices: Sequence[str]) -> Flow[..., dict[str, Any] | State]:
    """The backfill flow as its deployment registers it: ``sources`` a multi-select of
    ``choices`` (read from the sources file when the deployments are built, never on import).

    Runs load :func:`backfill` itself (the deployment's entrypoint is its module path), which
    checks the chosen sources against the configuration when it starts.
    """

    def form(
        start: date = START_FIELD,
        end: date = END_FIELD,
        sources: list[str] = SOURCES_FIELD,
        refetch: bool = REFETCH_FIELD,
    ) -> dict[str, Any] | State:
        return backfill.fn(start, end, sources, refetch)

    form.__annotations__ = {
        "start": date,
        "end": date,
        "sources": list[source_choice_type(choices)],  # type: ignore[misc]
        "refetch": bool,
        "return": dict[str, Any] | State,
    }
    form.__name__ = form.__qualname__ = backfill.fn.__name__
    form.__doc__ = backfill.fn.__doc__
    return flow(name="backfill", log_prints=False)(form)
