"""Backfill progress rows: finished days are skipped, failed days retried, re-fetch forgets."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from storage.db import session_scope
from storage.progress import DONE, FAILED, done_days, forget_days, mark_day, progress_rows


def test_done_days_only_counts_finished_days_in_range(engine: Engine) -> None:
    with session_scope(engine) as session:
        mark_day(session, "nos-archief", date(2024, 1, 1), DONE, n_discovered=3, n_new=2)
        mark_day(session, "nos-archief", date(2024, 1, 2), FAILED, error="HTTP 500")
        mark_day(session, "nos-archief", date(2024, 1, 5), DONE)
        mark_day(session, "other", date(2024, 1, 3), DONE)
    with session_scope(engine) as session:
        days = done_days(session, "nos-archief", date(2024, 1, 1), date(2024, 1, 4))
    assert days == {date(2024, 1, 1)}


def test_mark_day_replaces_a_failed_day(engine: Engine) -> None:
    with session_scope(engine) as session:
        mark_day(session, "nos-archief", date(2024, 1, 2), FAILED, error="HTTP 500")
    with session_scope(engine) as session:
        mark_day(session, "nos-archief", date(2024, 1, 2), DONE, n_discovered=4, n_new=4)
    with session_scope(engine) as session:
        rows = progress_rows(session, "nos-archief")
        assert [(r.day, r.status, r.n_new, r.error) for r in rows] == [
            (date(2024, 1, 2), DONE, 4, None)
        ]


def test_forget_days_clears_only_the_range(engine: Engine) -> None:
    with session_scope(engine) as session:
        for day in (1, 2, 3):
            mark_day(session, "nos-archief", date(2024, 1, day), DONE)
    with session_scope(engine) as session:
        assert forget_days(session, "nos-archief", date(2024, 1, 1), date(2024, 1, 2)) == 2
    with session_scope(engine) as session:
        assert [r.day for r in progress_rows(session)] == [date(2024, 1, 3)]


def test_unknown_status_is_refused(engine: Engine) -> None:
    with session_scope(engine) as session, pytest.raises(ValueError, match="crawl status"):
        mark_day(session, "nos-archief", date(2024, 1, 1), "maybe")
