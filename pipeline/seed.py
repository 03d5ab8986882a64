"""Store the seed corpus: parse the files, store each article once, record bad files."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from pipeline.article_store import DUPLICATE, store_record
from pipeline.processor import Processor
from scrapers.seedfiles import SEED_ORIGIN, SEED_SOURCE_NAME, load_seed_dir
from storage.articles import INSERTED, NEW_VERSION, UNCHANGED
from storage.db import session_scope
from storage.runs import finish_run, record_source_counts, start_run
from storage.sources import (
    get_or_create_source,
    record_source_failure,
    record_source_success,
)

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SeedReport:
    """Counts of one seed run, and one message per bad file."""

    files: int = 0
    new: int = 0
    known: int = 0
    updated: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)


def store_seeds(
    engine: Engine, seeds_dir: Path, trigger: str = "cli", processor: Processor | None = None
) -> SeedReport:
    """Parse ``seeds_dir`` and upsert every good file; bad files are logged and recorded."""
    loaded = load_seed_dir(seeds_dir)
    processor = processor or Processor.from_topics_file()
    report = SeedReport(files=len(loaded.articles) + len(loaded.errors))
    with session_scope(engine) as session:
        run = start_run(session, trigger=trigger)
        source = get_or_create_source(
            session, SEED_SOURCE_NAME, kind=SEED_ORIGIN, url=str(seeds_dir), priority=0
        )
        for record in loaded.articles:
            result = store_record(session, record, processor)
            report.article_ids.append(result.article.id)
            if result.action == INSERTED:
                report.new += 1
            elif result.action == UNCHANGED:
                report.known += 1
            elif result.action == NEW_VERSION:
                report.updated += 1
            elif result.action == DUPLICATE:
                report.duplicates += 1
        for error in loaded.errors:
            log.error("bad seed file %s", error)
            report.errors.append(str(error))
        if loaded.errors:
            record_source_failure(session, source, "; ".join(report.errors))
        else:
            record_source_success(session, source)
        record_source_counts(
            session,
            run,
            SEED_SOURCE_NAME,
            counts={
                "discovered": report.files,
                "new": report.new,
                "known": report.known,
                "updated": report.updated,
                "duplicates": report.duplicates,
                "failed": len(loaded.errors),
            },
            errors=[{"file": e.path.name, "error": e.reason} for e in loaded.errors],
            status="failing" if loaded.errors else "ok",
        )
        finish_run(session, run, "partial" if loaded.errors else "ok")
    return report
