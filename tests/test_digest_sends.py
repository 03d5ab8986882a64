"""Digest send claims on both backends: one claim per (day, recipient, round), a dead owner's
claim turns ``unknown``, ``--force`` adds a round, and what is owed is the latest failure."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine

from storage.db import session_scope
from storage.digest_sends import (
    FAILED,
    FORCE,
    REGULAR,
    RESEND_UNKNOWN,
    SENDING,
    SENT,
    UNKNOWN,
    Owner,
    SendClaim,
    claim_send,
    finish_send,
    list_sends,
    owed_days,
)

DAY = date(2026, 3, 10)
ME = Owner(pid=101, host="here")


def alive(pid: int | None, host: str | None, at: datetime) -> bool:
    return False


def dead(pid: int | None, host: str | None, at: datetime) -> bool:
    return True


def claim(
    engine: Engine, recipient: str, mode: str = REGULAR, *, gone=alive, day: date = DAY
) -> SendClaim:
    with session_scope(engine) as session:
        return claim_send(
            session, day, recipient, mode=mode, subject="s", owner=ME, owner_gone=gone
        )


def finish(engine: Engine, claimed: SendClaim, status: str) -> None:
    assert claimed.id is not None
    with session_scope(engine) as session:
        finish_send(session, claimed.id, status=status, error=None if status == SENT else "x")


def test_a_claimed_recipient_cannot_be_claimed_again_while_its_owner_lives(
    engine: Engine,
) -> None:
    first = claim(engine, "ed@example.org")
    assert first.id is not None and first.state == SENDING
    assert claim(engine, "ed@example.org") == SendClaim(None, SENDING, 0)
    assert claim(engine, "ED@example.org", FORCE) == SendClaim(None, SENDING, 0)
    finish(engine, first, SENT)
    assert claim(engine, "ed@example.org") == SendClaim(None, SENT, 0)
    assert claim(engine, "Ed@Example.org") == SendClaim(None, SENT, 0)  # one person


def test_a_claim_whose_owner_died_becomes_unknown_and_is_not_claimed(engine: Engine) -> None:
    claim(engine, "ed@example.org")
    found = claim(engine, "ed@example.org", gone=dead)
    assert (found.id, found.state) == (None, UNKNOWN)
    assert "process 101 on here stopped between the claim" in (found.found_dead or "")
    assert claim(engine, "ed@example.org", gone=dead) == SendClaim(None, UNKNOWN, 0)
    with session_scope(engine) as session:
        (row,) = list_sends(session, DAY)
        assert row.status == UNKNOWN and "stopped between the claim" in (row.error or "")
    again = claim(engine, "ed@example.org", RESEND_UNKNOWN)
    assert again.id is not None and again.send_round == 1


def test_a_failure_is_claimed_again_and_force_adds_a_round(engine: Engine) -> None:
    first = claim(engine, "ed@example.org")
    finish(engine, first, FAILED)
    retry = claim(engine, "ed@example.org")
    assert retry.id == first.id and retry.send_round == 0
    finish(engine, retry, SENT)
    forced = claim(engine, "ed@example.org", FORCE)
    assert forced.id is not None and forced.send_round == 1
    assert claim(engine, "ed@example.org", RESEND_UNKNOWN).id is None  # nothing unknown
    with session_scope(engine) as session:
        rows = list_sends(session, DAY)
        assert [(r.send_round, r.status, r.attempts) for r in rows] == [
            (0, SENT, 2),
            (1, SENDING, 1),
        ]
        assert rows[0].sent_at is not None and rows[0].owner_pid == ME.pid


def test_owed_days_are_days_whose_latest_send_failed(engine: Engine) -> None:
    d8, d9, d10 = date(2026, 3, 8), date(2026, 3, 9), date(2026, 3, 10)
    plan = [
        (d8, "a@x.org", SENT),
        (d9, "a@x.org", FAILED),
        (d9, "b@x.org", FAILED),
        (d9, "c@x.org", FAILED),  # no longer a recipient
        (d10, "a@x.org", FAILED),  # the day itself is not "earlier"
    ]
    for day, recipient, status in plan:
        finish(engine, claim(engine, recipient, day=day), status)
    with session_scope(engine) as session:
        assert owed_days(session, ["a@x.org", "B@x.org"], since=d8, before=d10) == {
            d9: ["a@x.org", "B@x.org"]
        }
        assert owed_days(session, ["a@x.org"], since=d9, before=date(2026, 3, 11)) == {
            d9: ["a@x.org"],
            d10: ["a@x.org"],
        }
