"""A delivery is claimed by one sender only: a second claim finds nothing owed; a failed one
is owed again, a sent one never; a claim left by a dead process is taken back later.
Both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from storage.db import session_scope
from storage.firings import STALE_AFTER, claim_owed, finish_delivery, record_firing

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


def fire(engine: Engine) -> None:
    with session_scope(engine) as session:
        first = record_firing(
            session,
            alert="a",
            story_id=7,
            kind="topic",
            met_at=NOW,
            payload={"title": "t"},
            targets=[("webhook", "http://127.0.0.1:9/x"), ("email", "d@e.org")],
            now=NOW,
        )
        again = record_firing(
            session,
            alert="a",
            story_id=7,
            kind="topic",
            met_at=NOW,
            payload={},
            targets=[],
            now=NOW,
        )
    assert first is not None and again is None


def claim(engine: Engine, now: datetime) -> list[tuple[str, int]]:
    with session_scope(engine) as session:
        return [(d.channel, d.attempts) for d in claim_owed(session, now)]


def test_each_delivery_is_claimed_once_and_retried_only_after_failing(engine: Engine) -> None:
    fire(engine)
    with session_scope(engine) as session:
        owed = claim_owed(session, NOW)
    assert [(d.channel, d.attempts) for d in owed] == [("webhook", 1), ("email", 1)]
    assert claim(engine, NOW) == []  # a concurrent runner finds them taken

    webhook, email = owed
    with session_scope(engine) as session:
        finish_delivery(session, webhook.id, "webhook unreachable", NOW)
        finish_delivery(session, email.id, None, NOW)
    assert claim(engine, NOW + timedelta(minutes=30)) == [("webhook", 2)]
    assert claim(engine, NOW + timedelta(minutes=31)) == []
    # Its sender died while sending: after STALE_AFTER the claim is taken back.
    assert claim(engine, NOW + timedelta(minutes=30) + STALE_AFTER + timedelta(seconds=1)) == [
        ("webhook", 3)
    ]
