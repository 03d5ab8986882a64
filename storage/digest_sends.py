"""Digest emails: a row per (day, recipient, round), claimed before the mail goes out.

A sender *claims* a recipient by inserting the row as ``sending`` in its own committed
transaction; the unique (day, recipient, round) means a second process cannot claim it too.
The row becomes ``sent`` the moment the server accepts the message, ``failed`` when it refused
or could not be reached (owed: a later run claims it again), or ``unknown`` when the message
went out but no answer came, or the claiming process died in between. ``unknown`` is never
sent again by itself: ``--force`` (a new round for everyone) or ``--resend-unknown`` (a new
round for those) does it on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import DigestSend
from storage.types import utcnow

SENDING = "sending"
SENT = "sent"
FAILED = "failed"
UNKNOWN = "unknown"
DONE = (SENT, UNKNOWN)  # not sent again without --force

# How a send run treats what earlier runs did.
REGULAR = "regular"  # claim who has no row yet or whose last attempt failed
FORCE = "force"  # one more copy for everyone (a new round)
RESEND_UNKNOWN = "resend-unknown"  # one more copy for those whose delivery is unknown

OwnerGone = Callable[[int | None, str | None, datetime], bool]  # (pid, host, claimed at)


@dataclass(frozen=True, slots=True)
class Owner:
    """The process that claims: its pid and host name."""

    pid: int
    host: str


@dataclass(frozen=True, slots=True)
class SendClaim:
    """The outcome of a claim: ``id`` is set when this process holds the claim; otherwise
    ``state`` says why not (sent, unknown, sending — another live process is on it), and
    ``found_dead`` is the reason when this claim found its owner gone and made it unknown."""

    id: int | None
    state: str
    send_round: int = 0
    found_dead: str | None = None


def _latest(session: Session, day: date, recipient: str) -> DigestSend | None:
    query = (
        select(DigestSend)
        .where(DigestSend.day == day, func.lower(DigestSend.recipient) == recipient.lower())
        .order_by(DigestSend.send_round.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def claim_send(
    session: Session,
    day: date,
    recipient: str,
    *,
    mode: str,
    subject: str,
    owner: Owner,
    owner_gone: OwnerGone,
    now: datetime | None = None,
) -> SendClaim:
    """Claim the email of ``day``'s digest to ``recipient`` for this process (see the module
    docstring for ``mode``). Commit right after, before sending.

    A ``sending`` row whose owner is gone becomes ``unknown`` here, and is not claimed.
    """
    now = now or utcnow()
    latest = _latest(session, day, recipient)
    if latest is not None and latest.status == SENDING:
        if owner_gone(latest.owner_pid, latest.owner_host, latest.attempted_at):
            reason = _died(latest)
            _mark(session, latest, UNKNOWN, reason)
            return SendClaim(None, UNKNOWN, latest.send_round, reason)
        return SendClaim(None, SENDING, latest.send_round)
    if latest is not None and latest.status == FAILED:
        return _reclaim(session, latest, subject, owner, now)
    if latest is None:
        wanted = 0
    elif mode == FORCE or (mode == RESEND_UNKNOWN and latest.status == UNKNOWN):
        wanted = latest.send_round + 1
    else:
        return SendClaim(None, latest.status, latest.send_round)
    row = DigestSend(
        day=day,
        recipient=recipient,
        send_round=wanted,
        status=SENDING,
        attempts=1,
        subject=subject,
        attempted_at=now,
        owner_pid=owner.pid,
        owner_host=owner.host,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # another process claimed this round first
        return SendClaim(None, SENDING, wanted)
    return SendClaim(row.id, SENDING, wanted)


def _reclaim(
    session: Session, row: DigestSend, subject: str, owner: Owner, now: datetime
) -> SendClaim:
    """Take a failed row back with one conditional UPDATE that only one process wins."""
    result = session.execute(
        update(DigestSend)
        .where(
            DigestSend.id == row.id,
            DigestSend.status == FAILED,
            DigestSend.attempts == row.attempts,
        )
        .values(
            status=SENDING,
            attempts=row.attempts + 1,
            subject=subject,
            error=None,
            attempted_at=now,
            owner_pid=owner.pid,
            owner_host=owner.host,
        )
    )
    if isinstance(result, CursorResult) and result.rowcount == 1:
        return SendClaim(row.id, SENDING, row.send_round)
    return SendClaim(None, SENDING, row.send_round)


def _died(row: DigestSend) -> str:
    return (
        f"process {row.owner_pid} on {row.owner_host} stopped between the claim and the "
        "server's answer: the mail may have gone out"
    )


def _mark(session: Session, row: DigestSend, status: str, error: str) -> None:
    session.execute(
        update(DigestSend)
        .where(DigestSend.id == row.id, DigestSend.status == SENDING)
        .values(status=status, error=error)
    )


def finish_send(
    session: Session,
    claim_id: int,
    *,
    status: str,
    message_id: str | None = None,
    error: str | None = None,
    now: datetime | None = None,
) -> None:
    """Record the answer to a claimed send: sent, failed (owed) or unknown."""
    values: dict[str, object] = {"status": status, "message_id": message_id, "error": error}
    if status == SENT:
        values["sent_at"] = now or utcnow()
    session.execute(update(DigestSend).where(DigestSend.id == claim_id).values(**values))


def list_sends(session: Session, day: date | None = None) -> list[DigestSend]:
    """Send rows, oldest first (all days, or one)."""
    query = select(DigestSend).order_by(DigestSend.id)
    if day is not None:
        query = query.where(DigestSend.day == day)
    return list(session.scalars(query))


def owed_days(
    session: Session, recipients: Sequence[str], since: date, before: date
) -> dict[date, list[str]]:
    """Days in [since, before) whose latest send to one of ``recipients`` failed: what a
    later run still owes, oldest day first."""
    wanted = {r.lower(): r for r in recipients}
    query = (
        select(DigestSend.day, DigestSend.recipient, DigestSend.status)
        .where(DigestSend.day >= since, DigestSend.day < before)
        .order_by(DigestSend.day, DigestSend.send_round)
    )
    latest: dict[tuple[date, str], str] = {}
    for day, recipient, status in session.execute(query):
        if recipient.lower() in wanted:
            latest[(day, recipient.lower())] = status
    owed: dict[date, list[str]] = {}
    for day in sorted({day for day, _ in latest}):
        names = [r for r in recipients if latest.get((day, r.lower())) == FAILED]
        if names:
            owed[day] = names
    return owed
