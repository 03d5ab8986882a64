"""``newsmon schedule``: the deployments' schedules, run in-process by APScheduler 3.

No Prefect server is needed: each job calls a flow, which then runs on Prefect's ephemeral API.
Every job has ``max_instances=1`` (a run still going when the next is due is skipped, never
doubled), ``coalesce=True`` (several missed runs become one) and a misfire grace time (a run
that is late by more than that is dropped). SIGINT / SIGTERM stop the scheduler and wait for the
running flows to finish.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import FrameType
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    JobEvent,
    JobExecutionEvent,
    JobSubmissionEvent,
    SchedulerEvent,
)
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

log = logging.getLogger(__name__)

DEFAULT_MISFIRE_GRACE_SECONDS = 600


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    """One recurring job: a name, what to call, and when."""

    name: str
    func: Callable[[], object]
    trigger: BaseTrigger
    run_now: bool = False


def cron_trigger(expression: str, timezone: str) -> CronTrigger:
    """A trigger from a five-field cron expression in ``timezone`` (as in config/sources.toml)."""
    return CronTrigger.from_crontab(expression, timezone=timezone)


def build_scheduler(
    jobs: list[ScheduledJob], misfire_grace_seconds: int = DEFAULT_MISFIRE_GRACE_SECONDS
) -> BackgroundScheduler:
    """A scheduler (not started) holding ``jobs``, never running one job twice at once."""
    scheduler = BackgroundScheduler(
        job_defaults={
            "max_instances": 1,
            "coalesce": True,
            "misfire_grace_time": misfire_grace_seconds,
        }
    )
    for job in jobs:
        extra: dict[str, Any] = {}
        if job.run_now:
            extra["next_run_time"] = datetime.now(job.trigger.timezone)
        scheduler.add_job(job.func, job.trigger, id=job.name, name=job.name, **extra)
    scheduler.add_listener(_report, EVENT_JOB_ERROR | EVENT_JOB_MAX_INSTANCES)
    return scheduler


def _report(event: SchedulerEvent) -> None:
    """Say why a run did not happen or failed; the scheduler itself keeps going.

    APScheduler delivers a skipped run (max instances reached) as a ``JobSubmissionEvent``
    with a list of due times and a failed run as a ``JobExecutionEvent``; any other event
    type is logged plainly, so a listener can never raise inside the scheduler.
    """
    if isinstance(event, JobSubmissionEvent) and event.code == EVENT_JOB_MAX_INSTANCES:
        due = ", ".join(str(t) for t in event.scheduled_run_times) or "now"
        log.warning("%s is still running: skipped the run due at %s", event.job_id, due)
    elif isinstance(event, JobExecutionEvent) and event.exception is not None:
        log.error("%s failed: %s", event.job_id, event.exception)
    elif isinstance(event, JobEvent):
        log.info("%s: scheduler event %s", event.job_id, event.code)
    else:
        log.info("scheduler event %s", event.code)


def run_until_stopped(
    scheduler: BackgroundScheduler,
    stop: threading.Event | None = None,
    on_start: Callable[[BackgroundScheduler], None] | None = None,
) -> None:
    """Start ``scheduler`` and block until SIGINT/SIGTERM (or ``stop``), then stop it cleanly.

    Running jobs are allowed to finish; no new run starts after the signal.
    """
    stop = stop or threading.Event()
    previous: dict[int, Any] = {}

    def _handle(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: stopping after the running jobs finish", signal.Signals(signum).name)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, _handle)
    try:
        scheduler.start()
        if on_start is not None:
            on_start(scheduler)
        while not stop.wait(1.0):
            pass
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        for old_signum, handler in previous.items():
            signal.signal(old_signum, handler)
    log.info("scheduler stopped")


def flow_call(flow: Callable[..., Any], **parameters: Any) -> Callable[[], object]:
    """A job that runs ``flow`` with ``parameters`` and logs how it ended (never raises)."""

    def _run() -> object:
        state = flow(**parameters, return_state=True)
        name = getattr(flow, "name", getattr(flow, "__name__", "flow"))
        if getattr(state, "is_completed", lambda: True)():
            log.info("%s finished: %s", name, getattr(state, "name", state))
        else:
            log.error(
                "%s ended %s: %s", name, getattr(state, "name", "?"), getattr(state, "message", "")
            )
        return state

    return _run
