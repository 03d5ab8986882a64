"""Alerts after an ingest run: find the (alert, story) pairs that fired, then deliver what is owed.

Evaluation looks at stories with a relevant article first seen in the recent window (what the
runs of that window touched), so a run that crashed before publishing is caught up by the next
one; storage makes each (alert, story) fire once however often it is evaluated. Delivery sends
every owed channel: the new firings' and earlier failures'. Email goes through the digest's
SMTP sender; webhooks are a JSON POST with httpx. A channel is claimed before it is sent, and
marked sent right after, so a delivery is never sent twice.
"""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from sqlalchemy import Engine

from digests.alert_message import alert_email
from digests.mailer import MailError, SmtpSettings, send_messages
from digests.text import outlet
from processing.alerts import AlertsConfig, StoryArticle, condition_met
from storage.db import session_scope
from storage.digests import ArticleRow, TagRow, stories_for, tags_for
from storage.firings import (
    CHANNEL_EMAIL,
    CHANNEL_WEBHOOK,
    OwedDelivery,
    claim_owed,
    finish_delivery,
    fired_pairs,
    record_firing,
)
from storage.models import PRECISION_DAY, PRECISION_MONTH
from storage.story_feed import relevant_articles_of, stories_seen_since

log = logging.getLogger(__name__)
WEBHOOK_TIMEOUT_S = 10.0


@dataclass(slots=True)
class DeliveryReport:
    """What one delivery pass did: sent and failed (channel, target, alert, story id)."""

    sent: list[tuple[str, str, str, int]] = field(default_factory=list)
    failed: list[tuple[str, str, str, int, str]] = field(default_factory=list)


def appeared_at(row: ArticleRow) -> datetime:
    """When an article appeared: its publication time when known to the day; a month-only
    date counts as the month's end (if that is before it was seen); else when first seen."""
    if row.published_at is not None and row.date_precision == PRECISION_DAY:
        return row.published_at
    if row.published_at is not None and row.date_precision == PRECISION_MONTH:
        year, month = row.published_at.year, row.published_at.month
        last = calendar.monthrange(year, month)[1]
        end = datetime(year, month, last, 23, 59, 59, tzinfo=UTC)
        return min(end, row.first_seen_at)
    return row.first_seen_at


def evaluate_alerts(engine: Engine, config: AlertsConfig, *, since: datetime, now: datetime) -> int:
    """Record a firing for every (alert, story) whose condition holds with articles since
    ``since`` and that has not fired before; returns how many fired now."""
    if not config.alerts:
        return 0
    fired = 0
    with session_scope(engine) as session:
        story_ids = stories_seen_since(session, since)
        if not story_ids:
            return 0
        rows = relevant_articles_of(session, story_ids)
        tags = tags_for(session, [row.id for row in rows])
        stories = stories_for(session, story_ids)
        done = fired_pairs(session, [a.name for a in config.alerts], story_ids)
        by_story: dict[int, list[ArticleRow]] = defaultdict(list)
        for row in rows:
            if row.story_id is not None:
                by_story[row.story_id].append(row)
        for story_id, members in sorted(by_story.items()):
            facts = [
                StoryArticle(
                    id=row.id,
                    outlet=outlet(row.url, row.source_name, row.origin),
                    at=appeared_at(row),
                    first_seen_at=row.first_seen_at,
                    topics=frozenset(tag.topic for tag in tags.get(row.id, [])),
                    seed=row.origin == "seed",
                )
                for row in members
            ]
            representative = stories[story_id].representative_id if story_id in stories else None
            for alert in config.alerts:
                if (alert.name, story_id) in done:
                    continue
                met_at = condition_met(alert, facts, since)
                if met_at is None:
                    continue
                targets = [(CHANNEL_EMAIL, address) for address in alert.email_to]
                if alert.webhook_url is not None:
                    targets.append((CHANNEL_WEBHOOK, str(alert.webhook_url)))
                payload = alert_payload(alert.name, story_id, members, tags, representative)
                if record_firing(
                    session,
                    alert=alert.name,
                    story_id=story_id,
                    kind=alert.kind,
                    met_at=met_at,
                    payload=payload,
                    targets=targets,
                    now=now,
                ):
                    fired += 1
                    log.info("alert %s fired for story %d", alert.name, story_id)
    return fired


def alert_payload(
    alert: str,
    story_id: int,
    members: Sequence[ArticleRow],
    tags: dict[int, list[TagRow]],
    representative_id: int | None,
) -> dict[str, object]:
    """The webhook body (and the email's content): the story, its topics, outlets, articles."""
    ordered = sorted(members, key=lambda r: (appeared_at(r), r.id))
    rep = next((r for r in ordered if r.id == representative_id), ordered[0])
    scores: dict[str, float] = defaultdict(float)
    for row in ordered:
        for tag in tags.get(row.id, []):
            scores[tag.topic] += tag.score
    outlets = [outlet(r.url, r.source_name, r.origin) for r in ordered]
    return {
        "alert": alert,
        "story_id": story_id,
        "title": rep.title,
        "url": rep.url,
        "topics": sorted(scores, key=lambda slug: (-scores[slug], slug)),
        "outlets": list(dict.fromkeys(outlets)),
        "articles": [
            {
                "title": row.title,
                "url": row.url,
                "outlet": name,
                "published_at": row.published_at.isoformat()
                if row.published_at is not None and row.date_precision == PRECISION_DAY
                else None,
            }
            for row, name in zip(ordered, outlets, strict=True)
        ],
    }


def deliver_owed(
    engine: Engine,
    smtp: SmtpSettings | None,
    *,
    now: datetime,
    client: httpx.Client | None = None,
) -> DeliveryReport:
    """Claim and send every owed delivery; record each outcome. Never raises for a channel."""
    with session_scope(engine) as session:
        owed = claim_owed(session, now)
    report = DeliveryReport()
    if not owed:
        return report
    outcomes: list[tuple[OwedDelivery, str | None]] = []
    emails = [d for d in owed if d.channel == CHANNEL_EMAIL]
    hooks = [d for d in owed if d.channel == CHANNEL_WEBHOOK]
    outcomes.extend(_send_emails(emails, smtp))
    if hooks:
        own = client is None
        http = client or httpx.Client(timeout=WEBHOOK_TIMEOUT_S, follow_redirects=False)
        try:
            outcomes.extend((d, _post(http, d)) for d in hooks)
        finally:
            if own:
                http.close()
    outcomes.extend(
        (d, f"unknown channel {d.channel!r}")
        for d in owed
        if d.channel not in (CHANNEL_EMAIL, CHANNEL_WEBHOOK)
    )
    with session_scope(engine) as session:
        for delivery, error in outcomes:
            finish_delivery(session, delivery.id, error, now)
            key = (delivery.channel, delivery.target, delivery.alert, delivery.story_id)
            if error is None:
                report.sent.append(key)
            else:
                log.warning("alert %s to %s failed: %s", delivery.alert, delivery.target, error)
                report.failed.append((*key, error))
    return report


def _send_emails(
    owed: Sequence[OwedDelivery], smtp: SmtpSettings | None
) -> list[tuple[OwedDelivery, str | None]]:
    if not owed:
        return []
    if smtp is None:
        return [(d, "no SMTP server configured (NEWSMON_SMTP_HOST)") for d in owed]
    messages = [alert_email(d.payload, sender=smtp.sender, recipient=d.target) for d in owed]
    try:
        deliveries = send_messages(smtp, messages)
    except MailError as exc:
        return [(d, str(exc)) for d in owed]
    return [(d, result.error) for d, result in zip(owed, deliveries, strict=True)]


def _post(client: httpx.Client, delivery: OwedDelivery) -> str | None:
    """POST the payload; None when the receiver answered 2xx, else why not."""
    try:
        response = client.post(delivery.target, json=delivery.payload)
    except httpx.HTTPError as exc:
        return f"webhook {delivery.target} unreachable: {type(exc).__name__}: {exc}"
    if response.is_success:
        return None
    return f"webhook {delivery.target} answered HTTP {response.status_code}"
