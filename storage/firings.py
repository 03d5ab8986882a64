"""Alert firings and their deliveries: each (alert, story) fires once, each channel is sent once.

A firing row is unique per (alert, story) and stores the message as first built, so a retry
resends the same content. Each channel target (an address, a webhook URL) is a delivery row
that goes pending -> sending -> sent | failed | unknown; :mod:`storage.alert_claims` moves it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import AlertDelivery, AlertFiring

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
UNKNOWN = "unknown"
CHANNEL_EMAIL = "email"
CHANNEL_WEBHOOK = "webhook"


@dataclass(slots=True)
class DeliveryView:
    channel: str
    target: str
    status: str
    attempts: int
    error: str | None
    last_attempt_at: datetime | None
    sent_at: datetime | None


@dataclass(slots=True)
class FiringView:
    """A firing as ``newsmon alerts`` lists it."""

    id: int
    alert: str
    kind: str
    story_id: int
    title: str
    url: str | None
    met_at: datetime | None
    fired_at: datetime
    deliveries: list[DeliveryView] = field(default_factory=list)


def fired_pairs(
    session: Session, alerts: Iterable[str], story_ids: Iterable[int]
) -> set[tuple[str, int]]:
    """The (alert, story) pairs among these that have fired already."""
    names, ids = list(alerts), list(story_ids)
    if not names or not ids:
        return set()
    query = select(AlertFiring.alert, AlertFiring.story_id).where(
        AlertFiring.alert.in_(names), AlertFiring.story_id.in_(ids)
    )
    return {(alert, story_id) for alert, story_id in session.execute(query)}


def record_firing(
    session: Session,
    *,
    alert: str,
    story_id: int,
    kind: str,
    met_at: datetime | None,
    payload: dict[str, Any],
    targets: Iterable[tuple[str, str]],
    now: datetime,
) -> int | None:
    """Record that ``alert`` fired for ``story_id`` with one pending delivery per (channel,
    target); None (and nothing written) when it had fired already, also by a concurrent run."""
    firing = AlertFiring(
        alert=alert, story_id=story_id, kind=kind, met_at=met_at, fired_at=now, payload=payload
    )
    firing.deliveries = [
        AlertDelivery(channel=channel, target=target, status=PENDING, attempts=0, created_at=now)
        for channel, target in dict.fromkeys(targets)
    ]
    try:
        with session.begin_nested():
            session.add(firing)
            session.flush()
    except IntegrityError:
        return None
    return firing.id


def recent_firings(session: Session, limit: int = 50) -> list[FiringView]:
    """The latest firings with the state of each delivery, newest first."""
    firings = session.scalars(
        select(AlertFiring)
        .order_by(AlertFiring.fired_at.desc(), AlertFiring.id.desc())
        .limit(limit)
    ).all()
    views = []
    for firing in firings:
        payload = firing.payload or {}
        views.append(
            FiringView(
                id=firing.id,
                alert=firing.alert,
                kind=firing.kind,
                story_id=firing.story_id,
                title=str(payload.get("title", "")),
                url=payload.get("url"),
                met_at=firing.met_at,
                fired_at=firing.fired_at,
                deliveries=[
                    DeliveryView(
                        d.channel,
                        d.target,
                        d.status,
                        d.attempts,
                        d.error,
                        d.last_attempt_at,
                        d.sent_at,
                    )
                    for d in firing.deliveries
                ],
            )
        )
    return views


def breaking_fired_between(
    session: Session, start: datetime, end: datetime, kind: str = "breaking"
) -> list[tuple[int, datetime | None, dict[str, Any]]]:
    """(story id, met at, payload) of each story a breaking alert fired for in [start, end),
    earliest firing per story, in the order they broke."""
    rows = session.execute(
        select(AlertFiring.story_id, AlertFiring.met_at, AlertFiring.payload)
        .where(AlertFiring.kind == kind, AlertFiring.fired_at >= start, AlertFiring.fired_at < end)
        .order_by(AlertFiring.fired_at, AlertFiring.id)
    ).all()
    seen: dict[int, tuple[int, datetime | None, dict[str, Any]]] = {}
    for story_id, met_at, payload in rows:
        seen.setdefault(story_id, (story_id, met_at, payload or {}))
    return list(seen.values())
