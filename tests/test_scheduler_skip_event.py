"""A run skipped because the previous one is still going is logged as a skip, no traceback."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from flows.scheduler import ScheduledJob, build_scheduler


def test_a_skipped_run_logs_one_warning_and_the_listener_never_raises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    release = threading.Event()
    started = threading.Event()

    def busy() -> None:
        started.set()
        release.wait(20)

    job = ScheduledJob("busy", busy, IntervalTrigger(seconds=1), run_now=True)
    scheduler = build_scheduler([job])
    caplog.set_level(logging.INFO)
    scheduler.start()
    try:
        assert started.wait(10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not any(
            "skipped the run" in r.getMessage() for r in caplog.records
        ):
            time.sleep(0.1)
    finally:
        release.set()
        scheduler.shutdown(wait=True)
    skips = [r for r in caplog.records if "skipped the run" in r.getMessage()]
    assert skips, [r.getMessage() for r in caplog.records]
    assert skips[0].levelno == logging.WARNING
    assert "busy is still running" in skips[0].getMessage()
    listener_errors = [r for r in caplog.records if "Error notifying listener" in r.getMessage()]
    assert listener_errors == []
    assert all(r.exc_info is None for r in caplog.records)
