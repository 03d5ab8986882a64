"""Backfill progress rows: finished days are skipped, failed days retried, re-fetch forgets."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from storage.db import session_scope
from storage.progress import DONE, FAILED, done_days, forget_days, mark_day, progress_rows
from tests.write_race import second_writer_waits


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


def test_a_day_marked_by_two_backfills_at_once_keeps_the_last_outcome(engine: Engine) -> None:
    """A CLI backfill beside a Prefect one over the same day: the second to mark it waits for
    the first and replaces its outcome, instead of failing on the (source, day) key."""
    day = date(2024, 3, 1)

    def first(session: Session) -> None:
        mark_day(session, "nos-archief", day, FAILED, error="timeout")

    def second(session: Session) -> None:
        mark_day(session, "nos-archief", day, DONE, n_discovered=12, n_new=3)

    assert second_writer_waits(engine, first, second) == []
    with session_scope(engine) as session:
        rows = [(r.day, r.status, r.n_discovered, r.n_new, r.error) for r in progress_rows(session)]
    assert rows == [(day, DONE, 12, 3, None)]
