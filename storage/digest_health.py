"""Source health over a digest window, from the fetch log, ingest runs and the source rows.

A source is reported when anything about it failed in the window: a failed request in
``fetch_log``, a per-source ingest result that was not ``ok`` or counted failures, or a recorded
source error. Its last success comes from the ``sources`` row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import FetchLog, IngestRunSource, Source

# A walled page is not a failure: the feed's teaser was stored instead (pipeline/ingest_walls).
GOOD_OUTCOMES = ("ok", "not_modified", "paywall", "consent_wall")


@dataclass(slots=True)
class SourceHealthRow:
    """One source that failed in the window."""

    name: str
    status: str
    failures: int
    last_error: str | None
    last_failure_at: datetime | None
    last_success_at: datetime | None


@dataclass(slots=True)
class HealthSummary:
    """The failing sources and how many sources there are in all."""

    failing: list[SourceHealthRow]
    n_sources: int


def _error_text(errors: list[Any]) -> str | None:
    """The last error of an ingest_run_sources ``errors`` list, whatever its shape."""
    if not errors:
        return None
    last = errors[-1]
    if isinstance(last, dict):
        message = last.get("error") or last.get("message") or last
        where = last.get("url") or last.get("file")
        return f"{where}: {message}" if where else str(message)
    return str(last)


def source_health(session: Session, start: datetime, end: datetime) -> HealthSummary:
    """Sources with failures in [start, end), worst first, with their last success."""
    sources = {s.name: s for s in session.scalars(select(Source))}
    by_id = {s.id: s.name for s in sources.values()}
    rows: dict[str, SourceHealthRow] = {}

    def row_for(name: str) -> SourceHealthRow:
        if name not in rows:
            source = sources.get(name)
            rows[name] = SourceHealthRow(
                name=name,
                status=source.status if source else "failing",
                failures=0,
                last_error=None,
                last_failure_at=None,
                last_success_at=source.last_success_at if source else None,
            )
        return rows[name]

    def note(row: SourceHealthRow, when: datetime | None, error: str | None, n: int) -> None:
        row.failures += n
        if when is not None and (row.last_failure_at is None or when >= row.last_failure_at):
            row.last_failure_at = when
            row.last_error = error or row.last_error

    fetches = (
        select(FetchLog.source_id, FetchLog.requested_at, FetchLog.outcome, FetchLog.error)
        .where(
            FetchLog.requested_at >= start,
            FetchLog.requested_at < end,
            FetchLog.outcome.not_in(GOOD_OUTCOMES),
            FetchLog.source_id.is_not(None),
        )
        .order_by(FetchLog.requested_at)
    )
    for source_id, when, outcome, error in session.execute(fetches):
        name = by_id.get(source_id) if source_id is not None else None
        if name is None:
            continue
        note(row_for(name), when, f"{outcome}: {error}" if error else outcome, 1)

    runs = select(IngestRunSource).where(
        IngestRunSource.started_at >= start,
        IngestRunSource.started_at < end,
    )
    for run in session.scalars(runs.order_by(IngestRunSource.started_at)):
        if run.status == "running" or (run.status == "ok" and not run.failed):
            continue  # a live run is not a failure (a dead one is marked abandoned)
        row = row_for(run.source_name)
        # fetch_log already counted this source's failed requests one by one.
        extra = 0 if row.failures else max(run.failed, 1)
        note(row, run.finished_at or run.started_at, _error_text(run.errors), extra)
        if run.status != "ok":
            row.status = run.status

    for source in sources.values():
        at = source.last_error_at
        if at is not None and start <= at < end:
            row = row_for(source.name)
            note(row, at, source.last_error, 0 if row.failures else 1)

    failing = sorted(rows.values(), key=lambda r: (-r.failures, r.name))
    total = session.scalar(select(func.count(Source.id))) or 0
    return HealthSummary(failing=failing, n_sources=total)
