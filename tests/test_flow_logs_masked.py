"""Log records of a flow process are masked whichever handler receives them: Prefect's own
handlers (console, API) never see a configured URL's password or token (issue 23)."""

from __future__ import annotations

import logging

import pytest

import flows  # noqa: F401  (importing the flows package masks the process's log records)

SECRET_URL = "https://desk:hunter2@hooks.example.org/alert?token=T0K3N"


def test_a_record_logged_anywhere_in_a_flow_process_is_masked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    logging.getLogger("pipeline.alert_delivery").warning("webhook %s failed: 500", SECRET_URL)
    logging.getLogger("prefect.runner").warning("POST %s", SECRET_URL)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "hunter2" not in text and "T0K3N" not in text
    assert "hooks.example.org" in text  # the host stays: the reader can tell which receiver


def test_a_malformed_log_call_is_left_to_logging() -> None:
    record = logging.getLogger("x").makeRecord("x", logging.INFO, "f", 1, "%d", ("a",), None)
    assert record.msg == "%d"  # not masked, not raised: logging reports it when emitting
