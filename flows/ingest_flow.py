"""The ``ingest`` flow: seeds, then every enabled source, as batched tasks.

Wiring only: discovery and fetching are :mod:`pipeline.ingest`; the run's per-source counts,
errors and source health are written as by ``run_ingest``, and published as a keyed table
artifact (``ingest-report``) so each run's numbers are one click away in the Prefect UI.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from cli.settings import get_settings
from flows.ingest_tasks import current_config, discover_task, fetch_in_lanes
from flows.runtime import database_url, engine_for
from flows.seed_flow import store_seeds_task
from pipeline.ingest_record import SourceOutcome, failed_discovery, record_ingest
from pipeline.ingest_types import DISCOVERY_FAILED, DISCOVERY_OK, Discovery, SourceCounts
from pipeline.run_owner import begin_run
from scrapers.sources import select_sources

ARTIFACT_KEY = "ingest-report"
TRIGGER = "prefect"


@flow(name="ingest", log_prints=False)
def ingest(
    sources: list[str] | None = None, refetch: bool = False, seeds: bool = True
) -> dict[str, Any]:
    """Store the seed corpus, then discover, fetch and store new articles of every source.

    Args:
        sources: Source names from config/sources.toml; empty means every enabled source.
        refetch: Fetch known articles again (conditional GET; changed text becomes a version).
        seeds: Store the seed corpus first (cheap and idempotent).
    """
    logger = get_run_logger()
    settings = get_settings()
    db_url = database_url(settings)
    config = current_config()
    chosen = select_sources(config, sources, include_disabled=bool(sources))
    if seeds:
        store_seeds_task(db_url, str(settings.seeds_dir), TRIGGER)
    run_id = begin_run(engine_for(db_url), TRIGGER, [s.name for s in chosen])

    discovered = {
        s.name: discover_task.submit(db_url, s.name, run_id, refetch, None, TRIGGER) for s in chosen
    }
    discoveries: dict[str, Discovery] = {}
    for name, future in discovered.items():
        try:
            discoveries[name] = future.result()
        except Exception as exc:  # recorded as the source's failure; the others go on
            discoveries[name] = failed_discovery(name, config.get(name).url, exc)
    fetched = fetch_in_lanes(
        db_url, {n: d.candidates for n, d in discoveries.items()}, run_id, refetch, TRIGGER
    )

    outcomes = []
    for source in chosen:
        discovery = discoveries[source.name]
        counts = SourceCounts()
        counts.errors.extend(discovery.errors)
        counts.add(fetched[source.name][0])
        if discovery.status != DISCOVERY_FAILED and discovery.outcome == "not_modified":
            counts.not_modified += 1
        outcomes.append(SourceOutcome(source, discovery, counts))

    report = record_ingest(engine_for(db_url), run_id, outcomes)
    rows = report_rows(outcomes, report.source_status)
    create_table_artifact(
        key=ARTIFACT_KEY,
        table=rows,
        description=f"Ingest run {run_id}: {report.status}, {report.total_new} new article(s)",
    )
    logger.info("ingest run %s: %s, %d new", run_id, report.status, report.total_new)
    return {
        "run_id": run_id,
        "status": report.status,
        "new": report.total_new,
        "sources": {row["source"]: row for row in rows},
    }


def report_rows(outcomes: list[SourceOutcome], status: dict[str, str]) -> list[dict[str, Any]]:
    """One table row per source: its health, its counts, its first error."""
    rows = []
    for outcome in outcomes:
        counts = outcome.counts
        first = counts.errors[0] if counts.errors else None
        rows.append(
            {
                "source": outcome.source.name,
                "status": status.get(outcome.source.name, DISCOVERY_OK),
                **counts.as_counts(),
                "errors": len(counts.errors),
                "first_error": (
                    f"{first.get('outcome')}: {first.get('url')}: {first.get('error')}"
                    if first
                    else ""
                ),
            }
        )
    return rows
