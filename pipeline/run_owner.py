"""Runs whose process is gone: found at the next start and closed as ``abandoned``.

A run killed with kill -9 (or by a crash of its machine) cannot record its own end. Every run
records its pid and host; a later run on the same host asks the OS whether that process still
exists and started before the run did (a recycled pid is another process). A run owned by
another host is judged by age only: after ``STALE_AFTER`` it is taken for dead. The abandoned
run's sources get the status ``abandoned``, so ``newsmon sources`` and the digest show them.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import psutil
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from storage.db import session_scope
from storage.models import IngestRun
from storage.runs import mark_abandoned, running_runs, start_run, this_host
from storage.types import utcnow

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(hours=24)  # a run on another host still "running" after this is dead
PID_START_SLACK_S = 2.0  # clock granularity between process start and the run's row


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


def reconcile_runs(session: Session) -> list[int]:
    """Mark every ``running`` run whose process is gone as abandoned; return their ids."""
    closed: list[int] = []
    for run in running_runs(session):
        if not owner_is_gone(run):
            continue
        reason = f"run {run.id} abandoned: process {run.pid} on {run.hostname} is gone"
        mark_abandoned(session, run, reason)
        log.warning("%s", reason)
        closed.append(run.id)
    return closed


def begin_run(engine: Engine, trigger: str, source_names: list[str]) -> int:
    """Close the runs left behind by dead processes, then open this one; return its id."""
    with session_scope(engine) as session:
        reconcile_runs(session)
        return start_run(session, trigger=trigger, source_names=source_names).id
