"""The ``ingest`` flow: seeds, then every enabled source, one task per source.

Wiring only: :func:`pipeline.ingest.run_ingest` is the driver; the flow adds retries (per
source task), the seed task and a keyed table artifact (``ingest-report``) so each run's
numbers are one click away in the Prefect UI.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE
from prefect.client.schemas.objects import State
from prefect.states import Failed

from composition.context import make_context
from composition.digest_setup import DigestSettingsError
from composition.preflight import preflight
from composition.publish_setup import publish_with_settings
from composition.runtime import database_url, engine_for
from composition.settings import get_settings
from flows.ingest_tasks import source_tasks
from flows.seed_flow import store_seeds_task
from pipeline.ingest import run_ingest
from pipeline.ingest.publish import PublishReport
from pipeline.run_summary import failed_rows, failure_message, report_rows
from processing.alerts import AlertsConfigError

ARTIFACT_KEY = "ingest-report"
PARTIAL = "Partial"  # the state name of a run where some sources failed
TRIGGER = "prefect"


@flow(name="ingest", log_prints=False)
def ingest(
    sources: list[str] | None = None, refetch: bool = False, seeds: bool = True
) -> dict[str, Any] | State:
    """Store the seed corpus, then discover, fetch and store new articles of every source.

    Args:
        sources: Source names from config/sources.toml; empty means every enabled source.
        refetch: Fetch known articles again (conditional GET; changed text becomes a version).
        seeds: Store the seed corpus first (cheap and idempotent).
    """
    settings = get_settings()
    preflight(settings)  # every setting checked before the first request (one-line error)
    db_url = database_url(settings)
    if seeds:
        store_seeds_task(db_url, str(settings.seeds_dir), TRIGGER)
    ctx = make_context(db_url, refetch, TRIGGER)
    report = run_ingest(ctx, sources, run_sources=source_tasks(db_url, refetch, TRIGGER))
    try:
        published = publish_task(db_url)
    except (AlertsConfigError, DigestSettingsError) as exc:  # the run is stored; say why
        get_run_logger().error("feeds and alerts not published: %s", exc)
        published = PublishReport(failed=[str(exc)])
    rows = report_rows(report.sources, report.source_status)  # failed sources first
    create_table_artifact(
        key=ARTIFACT_KEY,
        table=rows,
        description=f"Ingest run {report.run_id}: {report.status}, {report.total_new} new",
    )
    get_run_logger().info(
        "ingest run %s: %s, %d new", report.run_id, report.status, report.total_new
    )
    result = {
        "run_id": report.run_id,
        "status": report.status,
        "new": report.total_new,
        "sources": {row["source"]: row for row in rows},
        "feeds": len(published.feeds),
        "alerts_fired": published.fired,
        "alerts_sent": published.sent,
        "alerts_failed": published.failed,  # masked by pipeline.ingest.publish
    }
    return ended(result, rows)


def ended(result: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any] | State:
    """The run's result, or, when sources failed, a Failed state named ``Partial`` (some
    failed) or ``Failed`` (all did) whose message names each one with its reason, so the
    Prefect UI never shows a run with failed sources as a green Completed one. The result
    stays readable: ``state.result(raise_on_failure=False)``."""
    failed = failed_rows(rows)
    if not failed:
        return result
    message = failure_message(rows)
    get_run_logger().warning("%s", message)
    name = "Failed" if len(failed) == len(rows) else PARTIAL
    return Failed(name=name, message=message, data=result)


@task(name="publish", cache_policy=NONE, persist_result=False)
def publish_task(db_url: str) -> PublishReport:
    """Atom feeds and alerts after the run (the run is recorded already: nothing is lost if
    this fails; a failed delivery is retried by the next run)."""
    return publish_with_settings(engine_for(db_url), get_settings())
