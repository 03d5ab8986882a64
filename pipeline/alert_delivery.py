"""Delivering owed alerts: each delivery claimed, sent and recorded on its own.

Each delivery is claimed in its own committed transaction right before it goes out and is
recorded the moment the answer comes, so two runners never both send it and a crash loses at
most the answer of what was in flight (then ``unknown``, never resent by itself). Emails go
one at a time over one SMTP connection; webhooks concurrently (``WEBHOOK_CONCURRENCY``), each
bounded by ``WEBHOOK_TIMEOUT``, with a stable delivery id (the Standard Webhooks ``webhook-id``
header and a ``delivery_id`` body field) so a receiver can drop a repeat. A receiver that took
the request but gave no answer is ``unknown``, not failed. SIGINT / SIGTERM: what is in flight
finishes and is recorded, nothing new starts, then the signal goes on.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import Engine

from digests.alert_message import alert_email
from digests.mailer import MailError, SmtpSession, SmtpSettings
from pipeline.claims import claim_owner_gone, this_process
from pipeline.signal_hold import SignalHold
from storage.alert_claims import (
    DeliveryCandidate,
    OwedDelivery,
    claim_delivery,
    finish_delivery,
    owed_candidates,
    settle_abandoned,
)
from storage.db import session_scope
from storage.firings import CHANNEL_EMAIL, CHANNEL_WEBHOOK, FAILED, SENDING, SENT, UNKNOWN
from storage.types import utcnow

log = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
WEBHOOK_CONCURRENCY = 8
DELIVERY_ID_HEADER = "webhook-id"
DELIVERY_ID_NAMESPACE = uuid.UUID("5b0d4a5e-8f0e-4a4e-9d55-6e6577736d6f")

_Sender = Callable[[OwedDelivery], tuple[str, str | None]]  # -> (status, why not sent)


@dataclass(slots=True)
class DeliveryReport:
    """What one delivery pass did, each as (channel, target, alert, story id[, reason])."""

    sent: list[tuple[str, str, str, int]] = field(default_factory=list)
    failed: list[tuple[str, str, str, int, str]] = field(default_factory=list)
    unknown: list[tuple[str, str, str, int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Pass:
    """What every delivery of one pass shares."""

    engine: Engine
    now: datetime
    owner: tuple[int, str]
    hold: SignalHold
    report: DeliveryReport
    zone: ZoneInfo | None = None  # the times of alert emails


def delivery_id(delivery: OwedDelivery) -> str:
    """The delivery's stable id: the same on every retry of it, different for any other."""
    name = f"{delivery.id}/{delivery.alert}/{delivery.story_id}/{delivery.channel}"
    return str(uuid.uuid5(DELIVERY_ID_NAMESPACE, f"{name}/{delivery.target}"))


def deliver_owed(
    engine: Engine,
    smtp: SmtpSettings | None,
    *,
    now: datetime,
    client: httpx.Client | None = None,
    zone: ZoneInfo | None = None,
) -> DeliveryReport:
    """Claim, send and record every owed delivery. Never raises for a channel."""
    report = DeliveryReport()
    with session_scope(engine) as session:
        candidates = owed_candidates(session)
        owed: list[DeliveryCandidate] = []
        for candidate in candidates:
            reason = settle_abandoned(session, candidate, claim_owner_gone)
            if reason is not None:
                c = candidate
                report.unknown.append((c.channel, c.target, c.alert, c.story_id, reason))
            elif candidate.status != SENDING:
                owed.append(candidate)
    if not owed:
        return report
    with SignalHold(pass_on=True) as hold:
        run = _Pass(engine, now, this_process(), hold, report, zone)
        _deliver_emails(run, [c for c in owed if c.channel == CHANNEL_EMAIL], smtp)
        _deliver_webhooks(run, [c for c in owed if c.channel == CHANNEL_WEBHOOK], client)
        for candidate in owed:
            if candidate.channel not in (CHANNEL_EMAIL, CHANNEL_WEBHOOK):
                _send_one(run, candidate, lambda d: (FAILED, f"unknown channel {d.channel!r}"))
    return report


def _send_one(run: _Pass, candidate: DeliveryCandidate, send: _Sender) -> None:
    """Claim (committed), send, record: the whole life of one delivery."""
    if run.hold.received is not None:
        return
    with session_scope(run.engine) as session:
        delivery = claim_delivery(
            session, candidate, now=run.now, owner=run.owner, claimed_at=utcnow()
        )
    if delivery is None:  # another runner claimed it first
        return
    status, error = send(delivery)
    with session_scope(run.engine) as session:
        finish_delivery(session, delivery.id, error, run.now, status=status)
    key = (delivery.channel, delivery.target, delivery.alert, delivery.story_id)
    if status == SENT:
        run.report.sent.append(key)
        return
    log.warning("alert %s to %s %s: %s", delivery.alert, delivery.target, status, error)
    (run.report.unknown if status == UNKNOWN else run.report.failed).append((*key, error or ""))


def _deliver_emails(
    run: _Pass, owed: Sequence[DeliveryCandidate], smtp: SmtpSettings | None
) -> None:
    if not owed:
        return
    if smtp is None:
        for candidate in owed:
            _send_one(run, candidate, _no_smtp)
        return
    try:
        mail = SmtpSession(smtp)
    except MailError as exc:
        refused = str(exc)

        def refuse(delivery: OwedDelivery) -> tuple[str, str | None]:
            return FAILED, refused

        for candidate in owed:
            _send_one(run, candidate, refuse)
        return
    with mail:

        def send(delivery: OwedDelivery) -> tuple[str, str | None]:
            message = alert_email(
                delivery.payload, sender=smtp.sender, recipient=delivery.target, zone=run.zone
            )
            result = mail.send(message)
            if result.error is None:
                return SENT, None
            return (UNKNOWN if result.unknown else FAILED), result.error

        for candidate in owed:
            _send_one(run, candidate, send)


def _no_smtp(delivery: OwedDelivery) -> tuple[str, str | None]:
    return FAILED, "no SMTP server configured (NEWSMON_SMTP_HOST)"


def _deliver_webhooks(
    run: _Pass, owed: Sequence[DeliveryCandidate], client: httpx.Client | None
) -> None:
    if not owed:
        return
    http = client or httpx.Client(timeout=WEBHOOK_TIMEOUT, follow_redirects=False)
    try:
        with ThreadPoolExecutor(WEBHOOK_CONCURRENCY, thread_name_prefix="webhook") as pool:
            list(pool.map(lambda c: _send_one(run, c, lambda d: post_webhook(http, d)), owed))
    finally:
        if client is None:
            http.close()


def post_webhook(client: httpx.Client, delivery: OwedDelivery) -> tuple[str, str | None]:
    """POST the payload with its delivery id; (status, why) — sent, failed or unknown."""
    key = delivery_id(delivery)
    body = {**delivery.payload, "delivery_id": key}
    try:
        response = client.post(delivery.target, json=body, headers={DELIVERY_ID_HEADER: key})
    except (httpx.ReadTimeout, httpx.RemoteProtocolError) as exc:
        # The request went out whole; only the answer is missing: it may have arrived.
        why = (
            f"webhook {delivery.target} took the request but gave no answer "
            f"({type(exc).__name__}: {exc})"
        )
        return UNKNOWN, f"{why}; not sent again by itself (delivery id {key})"
    except httpx.HTTPError as exc:
        return FAILED, f"webhook {delivery.target} unreachable: {type(exc).__name__}: {exc}"
    if response.is_success:
        return SENT, None
    return FAILED, f"webhook {delivery.target} answered HTTP {response.status_code}"
