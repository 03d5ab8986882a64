"""Ingest runs and their per-source counts and errors, and who runs them (pid and host).

A run names its sources when it starts (rows with status ``running``), so a run that never
finishes still shows which sources it left: :func:`close_abandoned_runs` closes such a run and
its rows as ``abandoned`` once its process is known to be gone (a run killed with kill -9
cannot record its own end). On the same host the OS says whether the pid still exists and
started before the run (a recycled pid is another process); a run of another host is taken
for dead after ``STALE_AFTER``.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import psutil
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from storage.models import IngestRun, IngestRunSource
from storage.sources import HealthUpdate, record_health, source_ids_named
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


log = logging.getLogger(__name__)

STALE_AFTER = timedelta(hours=24)  # a run on another host still "running" after this is dead
PID_START_SLACK_S = 2.0  # clock granularity between process start and the run's row
RUNNING = "running"
INTERRUPTED = "interrupted"
ABANDONED = "abandoned"


def this_host() -> str:
    """The host name recorded with a run (with the pid it names the owning process)."""
    return socket.gethostname()[:255]


def start_run(
    session: Session, trigger: str = "cli", source_names: Iterable[str] = ()
) -> IngestRun:
    """Open an ingest run row (status ``running``) owned by this process, with a ``running``
    row for each of ``source_names`` (one multi-row insert, however many)."""
    now = utcnow()
    run = IngestRun(
        trigger=trigger, status=RUNNING, started_at=now, pid=os.getpid(), hostname=this_host()
    )
    session.add(run)
    session.flush()
    rows = [
        {"run_id": run.id, "source_name": name, "status": RUNNING, "started_at": now, "errors": []}
        for name in dict.fromkeys(source_names)
    ]
    if rows:
        session.execute(insert(IngestRunSource), rows)
    return run


def running_runs(session: Session) -> list[IngestRun]:
    """Runs still marked ``running`` (live, or left behind by a process that died)."""
    return list(session.scalars(select(IngestRun).where(IngestRun.status == RUNNING)))


def mark_abandoned(session: Session, run: IngestRun, reason: str) -> list[str]:
    """Close ``run`` as ``abandoned``, and its unfinished sources too (their rows and their
    health, with ``reason`` as the last error); return the sources' names."""
    now = utcnow()
    run.status = ABANDONED
    run.finished_at = now
    left = session.scalars(
        select(IngestRunSource).where(
            IngestRunSource.run_id == run.id, IngestRunSource.status == RUNNING
        )
    ).all()
    for row in left:
        row.status = ABANDONED
        row.finished_at = now
        row.errors = [*(row.errors or []), {"outcome": ABANDONED, "error": reason}]
    session.flush()
    newer = sources_recorded_after(session, run)
    names = [row.source_name for row in left if row.source_name not in newer]
    ids = source_ids_named(session, names)
    record_health(session, [HealthUpdate(ids[n], reason, ABANDONED) for n in names if n in ids])
    return [row.source_name for row in left]


def owner_is_gone(run: IngestRun, now: datetime | None = None) -> bool:
    """Whether the process that started ``run`` no longer exists (or cannot be this run's)."""
    return process_is_gone(run.pid, run.hostname, run.started_at, now)


def process_is_gone(
    pid: int | None,
    hostname: str | None,
    began: datetime,
    now: datetime | None = None,
    stale_after: timedelta = STALE_AFTER,
) -> bool:
    """Whether process ``pid`` on ``hostname``, which began something at ``began``, is gone:
    asked of the OS on this host, judged by age (``stale_after``) on another."""
    now = now or utcnow()
    began = began if began.tzinfo else began.replace(tzinfo=UTC)
    if pid is None or hostname is None or hostname != this_host():
        return now - began > stale_after
    try:
        created = psutil.Process(pid).create_time()
    except psutil.NoSuchProcess:
        return True
    except psutil.AccessDenied:  # it exists; whose it is cannot be told
        return False
    return created > began.timestamp() + PID_START_SLACK_S  # the pid is a newer process's


def close_abandoned_runs(session: Session) -> list[int]:
    """Mark every ``running`` run whose process is gone as abandoned; return their ids."""
    closed: list[int] = []
    for run in running_runs(session):
        if owner_is_gone(run):
            reason = f"run {run.id} abandoned: process {run.pid} on {run.hostname} is gone"
            mark_abandoned(session, run, reason)
            log.warning("%s", reason)
            closed.append(run.id)
    return closed


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


def record_many_source_counts(
    session: Session, run: IngestRun, rows: list[tuple[str, dict[str, int], list[Any], str]]
) -> None:
    """:func:`record_source_counts` for many sources at once (name, counts, errors, status):
    one query, one executemany for the rows the run opened and one multi-row insert for the
    rest, so recording a run of thousands of sources takes a moment, not a row-by-row minute."""
    query = select(IngestRunSource.source_name, IngestRunSource.id)
    existing = {
        name: id_ for name, id_ in session.execute(query.where(IngestRunSource.run_id == run.id))
    }
    now = utcnow()
    updates: list[dict[str, Any]] = []
    fresh: list[dict[str, Any]] = []
    for name, counts, errors, status in rows:
        unknown = set(counts) - set(COUNT_FIELDS)
        if unknown:
            raise ValueError(f"unknown count fields: {sorted(unknown)}")
        values: dict[str, Any] = {field: int(counts.get(field, 0)) for field in COUNT_FIELDS}
        values.update(errors=list(errors), status=status, finished_at=now)
        if name in existing:
            updates.append({"id": existing[name], **values})
        else:
            fresh.append({"run_id": run.id, "source_name": name, "started_at": now, **values})
    if updates:
        session.execute(update(IngestRunSource), updates)
    if fresh:
        session.execute(insert(IngestRunSource), fresh)


def sources_recorded_after(session: Session, run: IngestRun) -> set[str]:
    """The sources whose result a run started after ``run`` has recorded already (one query
    for :func:`newer_result_exists` of every source)."""
    return set(
        session.scalars(
            select(IngestRunSource.source_name)
            .where(IngestRunSource.run_id > run.id, IngestRunSource.status != RUNNING)
            .distinct()
        )
    )


def newer_result_exists(session: Session, run: IngestRun, source_name: str) -> bool:
    """Whether a run started after ``run`` has already recorded its result for the source
    (two overlapping runs: the source's health is the newer run's, whichever ends last)."""
    found = session.scalar(
        select(IngestRunSource.id)
        .where(
            IngestRunSource.source_name == source_name,
            IngestRunSource.run_id > run.id,
            IngestRunSource.status != RUNNING,
        )
        .limit(1)
    )
    return found is not None


def finish_run(session: Session, run: IngestRun, status: str) -> None:
    """Close an ingest run with its final status (ok | partial | failed | interrupted)."""
    run.status = status
    run.finished_at = utcnow()


def latest_runs(session: Session, limit: int = 10) -> list[IngestRun]:
    """The most recent ingest runs, newest first."""
    return list(session.scalars(select(IngestRun).order_by(IngestRun.id.desc()).limit(limit)))
