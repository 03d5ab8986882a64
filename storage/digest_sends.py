"""Digest emails: who received which day's digest, and which sends are still owed.

Every attempt is a row (``sent``, ``failed`` or ``unknown`` with the reason), so a day and
recipient with a failed attempt and no ``sent`` row is owed and a later run can deliver it. An
``unknown`` send (the server closed after the message without a reply) may have arrived: it
counts as done, and only ``--force`` sends it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import DigestSend
from storage.types import utcnow

SENT = "sent"
FAILED = "failed"
UNKNOWN = "unknown"
DONE = (SENT, UNKNOWN)  # not sent again without --force


def recipients_sent(session: Session, day: date) -> set[str]:
    """Recipients that already received the digest of ``day`` (or may have: ``unknown``)."""
    query = select(DigestSend.recipient).where(DigestSend.day == day, DigestSend.status.in_(DONE))
    return set(session.scalars(query))


def record_send(
    session: Session,
    day: date,
    recipient: str,
    *,
    status: str,
    subject: str,
    message_id: str | None = None,
    error: str | None = None,
) -> None:
    """Record one attempt to email the digest of ``day`` to ``recipient``
    (sent | failed | unknown)."""
    session.add(
        DigestSend(
            day=day,
            recipient=recipient,
            status=status,
            subject=subject,
            message_id=message_id,
            error=error,
            attempted_at=utcnow(),
        )
    )
    session.flush()


def list_sends(session: Session, day: date | None = None) -> list[DigestSend]:
    """Send attempts, oldest first (all days, or one)."""
    query = select(DigestSend).order_by(DigestSend.id)
    if day is not None:
        query = query.where(DigestSend.day == day)
    return list(session.scalars(query))


def owed_days(
    session: Session, recipients: Sequence[str], since: date, before: date
) -> dict[date, list[str]]:
    """Days in [since, before) on which a send to one of ``recipients`` failed and none
    succeeded since: what a later run still owes, oldest day first."""
    wanted = set(recipients)
    query = (
        select(DigestSend.day, DigestSend.recipient, DigestSend.status)
        .where(DigestSend.day >= since, DigestSend.day < before)
        .order_by(DigestSend.day, DigestSend.id)
    )
    failed: dict[date, set[str]] = {}
    sent: set[tuple[date, str]] = set()
    for day, recipient, status in session.execute(query):
        if recipient not in wanted:
            continue
        if status in DONE:
            sent.add((day, recipient))
        else:
            failed.setdefault(day, set()).add(recipient)
    owed = {
        day: [r for r in recipients if r in names and (day, r) not in sent]
        for day, names in sorted(failed.items())
    }
    return {day: names for day, names in owed.items() if names}
