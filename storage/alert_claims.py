"""Claiming alert deliveries: one sender per delivery, and what a dead sender leaves behind.

A sender *claims* one delivery with one conditional UPDATE, committed before it sends, so two
runners never both send it; a failed one is claimed again by a later run (up to
``max_attempts``). A claim left ``sending`` by a process that is gone becomes ``unknown`` (it
may have arrived) and is never sent again by itself: :func:`reopen_unknown` does that on
purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, and_, or_, select, update
from sqlalchemy.orm import Session

from storage.firings import FAILED, PENDING, SENDING, SENT, UNKNOWN
from storage.models import AlertDelivery, AlertFiring

MAX_ATTEMPTS = 10

OwnerGone = Callable[[int | None, str | None, datetime], bool]  # (pid, host, claimed at)


@dataclass(slots=True)
class OwedDelivery:
    """A claimed delivery: where to send and what (the firing's stored payload)."""

    id: int
    channel: str
    target: str
    alert: str
    story_id: int
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True, slots=True)
class DeliveryCandidate:
    """A delivery that may be owed, as read before claiming it."""

    id: int
    channel: str
    target: str
    alert: str
    story_id: int
    status: str
    attempts: int
    owner_pid: int | None
    owner_host: str | None
    claimed_at: datetime | None
    last_attempt_at: datetime | None


def owed_candidates(
    session: Session, *, max_attempts: int = MAX_ATTEMPTS
) -> list[DeliveryCandidate]:
    """Deliveries pending, failed under ``max_attempts``, or ``sending`` (whose owner may be
    gone), oldest first; each still has to be claimed (:func:`claim_delivery`)."""
    owed = or_(
        AlertDelivery.status.in_((PENDING, SENDING)),
        and_(AlertDelivery.status == FAILED, AlertDelivery.attempts < max_attempts),
    )
    rows = session.execute(
        select(
            AlertDelivery.id,
            AlertDelivery.channel,
            AlertDelivery.target,
            AlertFiring.alert,
            AlertFiring.story_id,
            AlertDelivery.status,
            AlertDelivery.attempts,
            AlertDelivery.owner_pid,
            AlertDelivery.owner_host,
            AlertDelivery.claimed_at,
            AlertDelivery.last_attempt_at,
        )
        .join(AlertFiring, AlertFiring.id == AlertDelivery.firing_id)
        .where(owed)
        .order_by(AlertDelivery.id)
    ).all()
    return [DeliveryCandidate(*row) for row in rows]


def claim_delivery(
    session: Session,
    candidate: DeliveryCandidate,
    *,
    now: datetime,
    owner: tuple[int, str],
    claimed_at: datetime,
) -> OwedDelivery | None:
    """Mark ``candidate`` ``sending`` for this process with one conditional UPDATE that only
    one caller wins; None when another got there first. Commit before sending."""
    if candidate.status == SENDING:
        return None
    result = session.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.id == candidate.id,
            AlertDelivery.status == candidate.status,
            AlertDelivery.attempts == candidate.attempts,
        )
        .values(
            status=SENDING,
            attempts=candidate.attempts + 1,
            last_attempt_at=now,
            owner_pid=owner[0],
            owner_host=owner[1],
            claimed_at=claimed_at,
        )
    )
    if not (isinstance(result, CursorResult) and result.rowcount == 1):
        return None
    row = session.execute(
        select(
            AlertDelivery.channel,
            AlertDelivery.target,
            AlertFiring.alert,
            AlertFiring.story_id,
            AlertFiring.payload,
        )
        .join(AlertFiring, AlertFiring.id == AlertDelivery.firing_id)
        .where(AlertDelivery.id == candidate.id)
    ).one()
    return OwedDelivery(
        candidate.id,
        row.channel,
        row.target,
        row.alert,
        row.story_id,
        row.payload,
        candidate.attempts + 1,
    )


def settle_abandoned(
    session: Session, candidate: DeliveryCandidate, owner_gone: OwnerGone
) -> str | None:
    """A ``sending`` claim whose owner is gone becomes ``unknown``; the reason when it did."""
    if candidate.status != SENDING:
        return None
    began = candidate.claimed_at or candidate.last_attempt_at
    if began is None or not owner_gone(candidate.owner_pid, candidate.owner_host, began):
        return None
    reason = (
        f"process {candidate.owner_pid} on {candidate.owner_host} stopped between the claim "
        "and the answer: it may have arrived, so it is not sent again by itself"
    )
    result = session.execute(
        update(AlertDelivery)
        .where(AlertDelivery.id == candidate.id, AlertDelivery.status == SENDING)
        .values(status=UNKNOWN, error=reason)
    )
    return reason if isinstance(result, CursorResult) and result.rowcount == 1 else None


def finish_delivery(
    session: Session, delivery_id: int, error: str | None, now: datetime, *, status: str = ""
) -> None:
    """Record the answer to a claimed delivery: sent (``error`` None), failed with the reason,
    or ``status=UNKNOWN`` when it went out and no answer came."""
    final = status or (SENT if error is None else FAILED)
    values: dict[str, Any] = {"status": final, "error": error}
    if final == SENT:
        values["sent_at"] = now
    session.execute(update(AlertDelivery).where(AlertDelivery.id == delivery_id).values(**values))


def reopen_unknown(session: Session) -> int:
    """Make every ``unknown`` delivery owed again (``pending``): the operator checked it did
    not arrive. Returns how many; the next delivery pass sends them."""
    result = session.execute(
        update(AlertDelivery)
        .where(AlertDelivery.status == UNKNOWN)
        .values(status=PENDING, owner_pid=None, owner_host=None, claimed_at=None)
    )
    return result.rowcount if isinstance(result, CursorResult) else 0
