"""The ``backfill`` flow: walk archive day pages and sitemaps day by day, resumably.

A (source, day) is marked done in ``crawl_progress`` only after all its articles are stored, so a
run that is killed half-way and started again skips the finished days and re-reads the
unfinished one, whose stored articles are then known and not stored twice. Progress is reported
as a progress artifact; the per-day results end up in a table artifact (``backfill-report``).
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.artifacts import (
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from flows.backfill_params import (
    END_FIELD,
    REFETCH_FIELD,
    SOURCES_FIELD,
    START_FIELD,
    SourceName,
    backfill_source_names,
    given,
    plan_backfill,
)
from flows.ingest_flow import report_rows
from flows.ingest_tasks import (
    current_config,
    discover_task,
    fetch_in_lanes,
    release_processor,
)
from flows.runtime import database_url, engine_for
from pipeline.ingest_record import SourceOutcome, failed_discovery, record_ingest
from pipeline.ingest_types import DISCOVERY_FAILED, Discovery, SourceCounts
from storage.db import session_scope
from storage.progress import DONE, FAILED, done_days, forget_days, mark_day
from storage.runs import start_run

ARTIFACT_KEY = "backfill-report"
TRIGGER = "backfill"


@flow(name="backfill", log_prints=False)
def backfill(
    start: date = START_FIELD,
    end: date = END_FIELD,
    sources: list[SourceName] = SOURCES_FIELD,
    refetch: bool = REFETCH_FIELD,
) -> dict[str, Any]:
    """Fetch the articles of past days from NOS archive pages and sitemaps.

    Resumable: days an earlier backfill finished are skipped (unless re-fetch is on). Invalid
    input (end before start, a range over the configured maximum, an unknown source) fails the
    run at once with the reason.
    """
    logger = get_run_logger()
    config = current_config()
    plan = plan_backfill(
        start,
        end,
        given(sources),
        given(refetch),
        backfill_source_names(config.sources),
        config.schedule.backfill_max_days,
    )
    db_url = database_url()
    engine = engine_for(db_url)
    todo: list[tuple[date, str]] = []
    skipped = 0
    with session_scope(engine) as session:
        for name in plan.sources:
            if plan.refetch:
                forget_days(session, name, plan.start, plan.end)
            finished = done_days(session, name, plan.start, plan.end)
            skipped += len(finished)
            todo.extend((day, name) for day in plan.days if day not in finished)
        run_id = start_run(session, trigger=TRIGGER).id
    todo.sort()
    logger.info(
        "backfill %s..%s of %s: %d day(s) to walk, %d already done",
        plan.start,
        plan.end,
        ", ".join(plan.sources),
        len(todo),
        skipped,
    )
    progress_id = cast(
        UUID,
        create_progress_artifact(
            progress=0.0 if todo else 100.0,
            description=f"backfill {plan.start}..{plan.end}: {len(todo)} source-day(s) to walk",
        ),
    )
    totals = {name: SourceCounts() for name in plan.sources}
    discoveries: dict[str, Discovery] = {}
    day_rows: list[dict[str, Any]] = []
    try:
        for index, (day, name) in enumerate(todo, start=1):
            row = _walk_day(db_url, run_id, name, day, plan.refetch, totals[name])
            day_rows.append(row)
            discoveries[name] = row.pop("_discovery")  # the latest day's listing
            _report_progress(progress_id, index, len(todo))
            logger.info("%s %s: %s, %d new", name, day, row["status"], row["new"])
    finally:
        release_processor(db_url, run_id)

    outcomes = [
        SourceOutcome(
            config.get(name), discoveries.get(name) or Discovery(source_name=name), totals[name]
        )
        for name in plan.sources
    ]
    report = record_ingest(engine, run_id, outcomes, update_health=False)
    if day_rows:
        create_table_artifact(
            key=ARTIFACT_KEY,
            table=day_rows,
            description=f"backfill {plan.start}..{plan.end}: {report.total_new} new article(s)",
        )
    failed = [row for row in day_rows if row["status"] == FAILED]
    summary = {
        "run_id": run_id,
        "days_done": len(day_rows) - len(failed),
        "days_failed": len(failed),
        "days_skipped": skipped,
        "new": report.total_new,
        "sources": report_rows(report.sources, report.source_status),
    }
    if failed:
        logger.warning(
            "%d day(s) failed and will be walked again by the next backfill: %s",
            len(failed),
            ", ".join(f"{row['source']} {row['day']}" for row in failed[:10]),
        )
    return summary


def _walk_day(
    db_url: str, run_id: int, name: str, day: date, refetch: bool, total: SourceCounts
) -> dict[str, Any]:
    """Discover one source's day, fetch it in chunks, then mark the day done or failed."""
    try:
        discovery = discover_task(db_url, name, run_id, refetch, day, TRIGGER)
    except Exception as exc:  # recorded as the day's failure; the walk goes on
        discovery = failed_discovery(name, f"{name} {day.isoformat()}", exc)
    counts = SourceCounts()
    counts.errors.extend(discovery.errors)
    fetched, chunk_failed = fetch_in_lanes(
        db_url, {name: discovery.candidates}, run_id, refetch, TRIGGER, share_processor=True
    )[name]
    counts.add(fetched)
    total.add(counts)
    ok = discovery.status != DISCOVERY_FAILED and not chunk_failed
    error = None if ok else _first_error(counts)
    with session_scope(engine_for(db_url)) as session:
        mark_day(
            session,
            name,
            day,
            DONE if ok else FAILED,
            n_discovered=len(discovery.candidates),
            n_new=counts.new,
            error=error,
        )
    return {
        "day": day.isoformat(),
        "source": name,
        "status": DONE if ok else FAILED,
        "discovered": len(discovery.candidates),
        "new": counts.new,
        "known": counts.known,
        "failed": counts.failed,
        "error": error or "",
        "_discovery": discovery,
    }


def _first_error(counts: SourceCounts) -> str:
    if not counts.errors:
        return "failed"
    first = counts.errors[0]
    return f"{first.get('outcome')}: {first.get('url')}: {first.get('error')}"


def _report_progress(progress_id: UUID | None, done: int, total: int) -> None:
    if progress_id is not None and total:
        update_progress_artifact(progress_id, progress=100.0 * done / total)
