"""A delivery is claimed by one sender only: a second claim finds it taken; a failed one is
owed again, a sent one never; a claim left by a dead process becomes ``unknown`` and is not
claimed again until reopened on purpose. Both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from storage.alert_claims import (
    OwedDelivery,
    claim_delivery,
    finish_delivery,
    owed_candidates,
    reopen_unknown,
    settle_abandoned,
)
from storage.db import session_scope
from storage.firings import recent_firings, record_firing

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
ME = (4242, "here")


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


def claim(engine: Engine, now: datetime, *, owner_gone: bool = False) -> list[OwedDelivery]:
    """Each candidate claimed in its own transaction, as a sender does."""
    with session_scope(engine) as session:
        candidates = owed_candidates(session)
    claimed = []
    for candidate in candidates:
        with session_scope(engine) as session:
            if settle_abandoned(session, candidate, lambda pid, host, at: owner_gone):
                continue
            got = claim_delivery(session, candidate, now=now, owner=ME, claimed_at=now)
        if got is not None:
            claimed.append(got)
    return claimed


def shape(owed: list[OwedDelivery]) -> list[tuple[str, int]]:
    return [(d.channel, d.attempts) for d in owed]


def test_each_delivery_is_claimed_once_and_retried_only_after_failing(engine: Engine) -> None:
    fire(engine)
    owed = claim(engine, NOW)
    assert shape(owed) == [("webhook", 1), ("email", 1)]
    assert owed[0].payload == {"title": "t"} and owed[0].alert == "a"
    assert claim(engine, NOW) == []  # a concurrent runner, its owner alive, finds them taken

    webhook, email = owed
    with session_scope(engine) as session:
        finish_delivery(session, webhook.id, "webhook unreachable", NOW)
        finish_delivery(session, email.id, None, NOW)
    assert shape(claim(engine, NOW + timedelta(minutes=30))) == [("webhook", 2)]
    assert claim(engine, NOW + timedelta(minutes=31)) == []


def test_a_claim_whose_owner_died_becomes_unknown_and_is_never_taken_back(
    engine: Engine,
) -> None:
    fire(engine)
    _, email = claim(engine, NOW)
    with session_scope(engine) as session:
        finish_delivery(session, email.id, None, NOW)
    # The process died while the webhook was in flight: days later, still not resent.
    assert claim(engine, NOW + timedelta(days=3), owner_gone=True) == []
    assert claim(engine, NOW + timedelta(days=4), owner_gone=True) == []
    with session_scope(engine) as session:
        (firing,) = recent_firings(session)
    states = {d.channel: (d.status, d.attempts) for d in firing.deliveries}
    assert states == {"webhook": ("unknown", 1), "email": ("sent", 1)}
    hook = next(d for d in firing.deliveries if d.channel == "webhook")
    assert hook.error and "process 4242 on here stopped between the claim" in hook.error

    with session_scope(engine) as session:
        assert reopen_unknown(session) == 1
    assert shape(claim(engine, NOW + timedelta(days=5))) == [("webhook", 2)]
