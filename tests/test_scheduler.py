"""The in-process scheduler: repeated runs, never two at once, a clean stop on SIGTERM."""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from prefect import flow

from flows.scheduler import (
    DEFAULT_MISFIRE_GRACE_SECONDS,
    ScheduledJob,
    build_scheduler,
    cron_trigger,
    flow_call,
)
from tests.conftest import REPO_ROOT

RUNS: list[tuple[float, float]] = []
ACTIVE = threading.Semaphore(1)


@flow(name="slow-test-flow")
def slow_flow(seconds: float) -> None:
    """Takes longer than the interval, so the scheduler must skip instead of overlapping."""
    if not ACTIVE.acquire(blocking=False):
        raise AssertionError("two runs of the same flow at once")
    try:
        begin = time.monotonic()
        time.sleep(seconds)
        RUNS.append((begin, time.monotonic()))
    finally:
        ACTIVE.release()


@pytest.mark.usefixtures("prefect_harness")
def test_a_short_interval_runs_the_flow_repeatedly_without_overlap() -> None:
    RUNS.clear()
    job = ScheduledJob(
        "slow", flow_call(slow_flow, seconds=1.5), IntervalTrigger(seconds=1), run_now=True
    )
    scheduler = build_scheduler([job])
    scheduler.start()
    try:
        deadline = time.monotonic() + 60
        while len(RUNS) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        scheduler.shutdown(wait=True)
    assert len(RUNS) >= 2
    ordered = sorted(RUNS)
    for (_, first_end), (second_begin, _) in itertools.pairwise(ordered):
        assert second_begin >= first_end


def test_jobs_never_double_and_coalesce_missed_runs() -> None:
    job = ScheduledJob("ingest", lambda: None, cron_trigger("*/30 * * * *", "Europe/Amsterdam"))
    scheduler = build_scheduler([job], misfire_grace_seconds=120)
    scheduler.start(paused=True)
    try:
        (added,) = scheduler.get_jobs()
        assert added.max_instances == 1
        assert added.coalesce is True
        assert added.misfire_grace_time == 120
        assert str(added.trigger.timezone) == "Europe/Amsterdam"
        now = datetime(2026, 1, 1, 12, 10, tzinfo=UTC)
        assert added.trigger.get_next_fire_time(None, now).minute in (0, 30)
    finally:
        scheduler.shutdown(wait=False)
    assert DEFAULT_MISFIRE_GRACE_SECONDS > 0


@pytest.mark.slow
def test_sigterm_lets_the_running_job_finish_then_exits_cleanly() -> None:
    script = textwrap.dedent(
        """
        import logging, sys, time
        from apscheduler.triggers.interval import IntervalTrigger
        from flows.scheduler import ScheduledJob, build_scheduler, run_until_stopped

        logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")

        def job():
            print("job started", flush=True)
            time.sleep(2)
            print("job finished", flush=True)

        scheduler = build_scheduler(
            [ScheduledJob("job", job, IntervalTrigger(seconds=30), run_now=True)]
        )
        run_until_stopped(scheduler)
        print("exited", flush=True)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "job started" in line:
                proc.terminate()
                break
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = "".join(lines) + out
    assert proc.returncode == 0, text
    assert "received SIGTERM" in text
    assert text.index("job finished") < text.index("scheduler stopped") < text.index("exited")
