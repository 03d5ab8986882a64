"""Ingest runs and their per-source counts and errors."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import IngestRun, IngestRunSource
from storage.types import utcnow

COUNT_FIELDS = (
    "discovered",
    "new",
    "known",
    "not_modified",
    "failed",
    "no_article",
    "duplicates",
    "updated",
)


def start_run(session: Session, trigger: str = "cli") -> IngestRun:
    """Open an ingest run row (status ``running``)."""
    run = IngestRun(trigger=trigger, status="running", started_at=utcnow())
    session.add(run)
    session.flush()
    return run


def record_source_counts(
    session: Session,
    run: IngestRun,
    source_name: str,
    counts: dict[str, int],
    errors: list[dict[str, Any]],
    status: str,
) -> IngestRunSource:
    """Store (or replace) one source's counts and errors for ``run``."""
    unknown = set(counts) - set(COUNT_FIELDS)
    if unknown:
        raise ValueError(f"unknown count fields: {sorted(unknown)}")
    row = session.scalar(
        select(IngestRunSource).where(
            IngestRunSource.run_id == run.id, IngestRunSource.source_name == source_name
        )
    )
    if row is None:
        row = IngestRunSource(run_id=run.id, source_name=source_name)
        session.add(row)
    for name in COUNT_FIELDS:
        setattr(row, name, int(counts.get(name, 0)))
    row.errors = list(errors)
    row.status = status
    row.finished_at = utcnow()
    session.flush()
    return row


def finish_run(session: Session, run: IngestRun, status: str) -> None:
    """Close an ingest run with its final status (ok | partial | failed)."""
    run.status = status
    run.finished_at = utcnow()


def latest_runs(session: Session, limit: int = 10) -> list[IngestRun]:
    """The most recent ingest runs, newest first."""
    return list(session.scalars(select(IngestRun).order_by(IngestRun.id.desc()).limit(limit)))
