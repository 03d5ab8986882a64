"""Two processes recording the same day's digest at once (a scheduled digest and a manual
``newsmon digest``, or two runners): the second waits for the first and replaces its record,
instead of failing on the unique (day, mode) it could not see when it looked."""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine, select, text

from digests.model import MODE_SEEN
from storage.db import make_sessionmaker, session_scope
from storage.digests import record_digest
from storage.models import Digest, DigestItem
from tests.digest_data import DAY, build


def _wait_until_blocked(
    engine: Engine, worker: threading.Thread, errors: list[BaseException]
) -> None:
    """Until the worker's transaction waits for a lock (PostgreSQL), or a moment (SQLite's
    writer lock blocks it at its first statement, so the order does not matter there)."""
    if engine.dialect.name != "postgresql":
        time.sleep(0.3)
        return
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 20
    while True:
        with engine.connect() as conn:  # new transaction: it keeps its first pg_stat_activity
            if conn.execute(query).scalar_one() > 0:
                return
        assert worker.is_alive(), f"finished without waiting for the lock: {errors}"
        assert time.monotonic() < deadline, "not waiting for the lock after 20 s"
        time.sleep(0.02)


def test_a_digest_recorded_during_another_record_replaces_it(engine: Engine) -> None:
    ids = build(engine)
    first_items = [(ids["A1"], None, "hash-A1")]
    second_items = [(ids["A2"], None, "hash-A2"), (ids["B2"], None, "hash-B2")]
    errors: list[BaseException] = []

    def second_process() -> None:
        try:
            with session_scope(engine) as session:
                record_digest(
                    session,
                    DAY,
                    MODE_SEEN,
                    markdown_path="b.md",
                    html_path="b.html",
                    n_stories=2,
                    items=second_items,
                )
        except BaseException as exc:  # reported below, with the test's own assertion
            errors.append(exc)

    first = make_sessionmaker(engine)()
    try:
        record_digest(
            first,
            DAY,
            MODE_SEEN,
            markdown_path="a.md",
            html_path="a.html",
            n_stories=1,
            items=first_items,
        )
        worker = threading.Thread(target=second_process)
        worker.start()
        _wait_until_blocked(engine, worker, errors)
        first.commit()
    finally:
        first.close()
    worker.join(60)
    assert not worker.is_alive()
    assert errors == []

    with session_scope(engine) as session:
        (digest,) = session.scalars(
            select(Digest).where(Digest.day == DAY, Digest.mode == MODE_SEEN)
        ).all()
        assert (digest.markdown_path, digest.n_stories, digest.n_articles) == ("b.md", 2, 2)
        items = session.scalars(
            select(DigestItem.article_id).where(DigestItem.digest_id == digest.id)
        ).all()
    assert sorted(items) == sorted([ids["A2"], ids["B2"]])
