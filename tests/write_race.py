"""Two writers of the same row at once, in a fixed order: the first holds its write open while
the second, in its own transaction, waits for it; then the first commits.

This is the order in which a select-then-insert fails on PostgreSQL (the second saw no row, and
its insert waits on the first's uncommitted one). On SQLite the writer lock blocks the second at
its first statement, so there the order is given and the outcome is the same.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from storage.db import make_sessionmaker, session_scope

WAITING_FOR_A_LOCK = text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


def second_writer_waits(
    engine: Engine, first: Callable[[Session], object], second: Callable[[Session], object]
) -> list[BaseException]:
    """Run ``first`` uncommitted, ``second`` in a thread until it waits on it, then commit
    ``first`` and let ``second`` finish; returns what ``second`` raised."""
    errors: list[BaseException] = []

    def second_process() -> None:
        try:
            with session_scope(engine) as session:
                second(session)
        except BaseException as exc:  # returned to the test
            errors.append(exc)

    session = make_sessionmaker(engine)()
    try:
        first(session)
        worker = threading.Thread(target=second_process)
        worker.start()
        _wait_until_blocked(engine, worker, errors)
        session.commit()
    finally:
        session.close()
    worker.join(60)
    assert not worker.is_alive(), "the second writer did not finish"
    return errors


def _wait_until_blocked(
    engine: Engine, worker: threading.Thread, errors: list[BaseException]
) -> None:
    if engine.dialect.name != "postgresql":
        time.sleep(0.3)
        return
    deadline = time.monotonic() + 20
    while True:
        with engine.connect() as conn:  # new transaction: it keeps its first pg_stat_activity
            if conn.execute(WAITING_FOR_A_LOCK).scalar_one() > 0:
                return
        assert worker.is_alive(), f"finished without waiting for the lock: {errors}"
        assert time.monotonic() < deadline, "not waiting for the lock after 20 s"
        time.sleep(0.02)
