"""The ``seed`` flow: store the seed corpus (cheap and idempotent, so ingest runs it first)."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from composition.runtime import database_url, engine_for
from composition.settings import get_settings, make_processor
from pipeline.seed import store_seeds


@task(name="store-seeds", cache_policy=NONE, persist_result=False)
def store_seeds_task(db_url: str, seeds_dir: str, trigger: str) -> dict[str, int]:
    """Parse and upsert every seed file; bad files are logged and counted, not fatal."""
    logger = get_run_logger()
    processor = make_processor(get_settings())
    report = store_seeds(engine_for(db_url), Path(seeds_dir), trigger=trigger, processor=processor)
    for error in report.errors:
        logger.warning("bad seed file: %s", error)
    logger.info(
        "seeds: %d files, %d new, %d known, %d updated, %d bad",
        report.files,
        report.new,
        report.known,
        report.updated,
        len(report.errors),
    )
    return {
        "files": report.files,
        "new": report.new,
        "known": report.known,
        "updated": report.updated,
        "errors": len(report.errors),
    }


@flow(name="seed", log_prints=False)
def seed(trigger: str = "prefect") -> dict[str, int]:
    """Store the seed corpus from the configured seeds folder (running it again adds nothing)."""
    settings = get_settings()
    return store_seeds_task(database_url(settings), str(settings.seeds_dir), trigger)
