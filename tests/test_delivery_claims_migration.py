"""Migration 0009 folds the old attempt log of digest mails into one row per (day, recipient,
round) on both backends: each delivered mail keeps a round, unanswered failures stay owed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import make_engine, session_scope
from storage.digest_sends import list_sends, owed_days
from storage.migrate import upgrade
from tests.databases import fresh_database

DAY = date(2026, 3, 10)
OLD_ROWS = [  # (recipient, status) in the order the old code wrote them
    ("a@x.org", "failed"),
    ("a@x.org", "sent"),
    ("a@x.org", "sent"),  # a --force
    ("b@x.org", "failed"),
    ("b@x.org", "failed"),
    ("c@x.org", "unknown"),
]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_old_attempt_rows_become_rounds_and_failures_stay_owed(
    backend: str, tmp_path: Path
) -> None:
    with fresh_database(backend, tmp_path) as url:
        upgrade(url, "0008")
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                for recipient, status in OLD_ROWS:
                    conn.execute(
                        text(
                            "INSERT INTO digest_sends (day, recipient, status, attempted_at) "
                            "VALUES (:day, :recipient, :status, CURRENT_TIMESTAMP)"
                        ),
                        {"day": DAY, "recipient": recipient, "status": status},
                    )
            upgrade(url)
            with session_scope(engine) as session:
                rows = [
                    (s.recipient, s.send_round, s.status, s.attempts)
                    for s in list_sends(session, DAY)
                ]
                owed = owed_days(session, ["a@x.org", "b@x.org", "c@x.org"], DAY, date(2026, 3, 11))
        finally:
            engine.dispose()
    assert sorted(rows) == [
        ("a@x.org", 0, "sent", 1),
        ("a@x.org", 1, "sent", 1),
        ("b@x.org", 0, "failed", 2),
        ("c@x.org", 0, "unknown", 1),
    ]
    assert owed == {DAY: ["b@x.org"]}
