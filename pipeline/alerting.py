"""Alerts after an ingest run: find the (alert, story) pairs that fired, then deliver what is owed.

Evaluation looks at stories with a relevant article first seen in the recent window (what the
runs of that window touched), so a run that crashed before publishing is caught up by the next
one; storage makes each (alert, story) fire once however often it is evaluated. Delivering
every owed channel (the new firings' and earlier failures') is :mod:`pipeline.alert_delivery`.
"""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine

from digests.text import outlet
from processing.alerts import AlertsConfig, StoryArticle, condition_met
from storage.db import session_scope
from storage.digests import ArticleRow, TagRow, stories_for, tags_for
from storage.firings import (
    CHANNEL_EMAIL,
    CHANNEL_WEBHOOK,
    fired_pairs,
    record_firing,
)
from storage.models import PRECISION_DAY, PRECISION_MONTH
from storage.story_feed import relevant_articles_of, stories_seen_since

log = logging.getLogger(__name__)


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
