"""After every ingest run: write the Atom feeds of the beat and send the alerts it caused.

``publish_after_ingest`` is the one call every runner makes after ``run_ingest`` (the CLI, the
Prefect ingest flow, the APScheduler job), so feeds and alerts follow the same run whichever
runner ran it. It never raises for a feed it cannot write or a channel that is down: those
are reported (and a failed delivery is retried by the next run).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from digests.atom import FEED_LIMIT, FeedStory, feed_stories, render_atom
from digests.mailer import SmtpSettings
from pipeline.alert_delivery import deliver_owed
from pipeline.alerting import evaluate_alerts
from processing.alerts import NO_ALERTS, AlertsConfig, AlertsConfigError, parse_alerts
from processing.temporal import NEWSROOM_TZ
from storage.db import session_scope
from storage.digests import members_of, stories_for, tags_for
from storage.masking import mask_secrets
from storage.story_feed import latest_stories, relevant_articles_of
from storage.types import utcnow

log = logging.getLogger(__name__)

DEFAULT_ALERT_WINDOW = timedelta(hours=48)


@dataclass(slots=True)
class PublishReport:
    """What one publish pass did."""

    feeds: list[Path] = field(default_factory=list)
    fired: int = 0
    sent: int = 0
    failed: list[str] = field(default_factory=list)  # one line per failed delivery or feed


def load_alerts_file(path: Path | str, known_topics: Sequence[str] | None = None) -> AlertsConfig:
    """The alerts of ``path``; no file means no alerts.

    Raises:
        AlertsConfigError: unreadable or invalid; the one-line message names file, alert, field.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return NO_ALERTS
    except (OSError, UnicodeDecodeError) as exc:
        raise AlertsConfigError(str(path), [(None, None, f"cannot read: {exc}")]) from exc
    return parse_alerts(text, str(path), known_topics)


def collect_feed(
    session: Session,
    *,
    topic: str | None,
    relevance_topic: str | None,
    tz: ZoneInfo = NEWSROOM_TZ,
    limit: int = FEED_LIMIT,
) -> list[FeedStory]:
    """The latest ``limit`` stories with relevant articles (tagged ``topic`` when given)."""
    order = latest_stories(session, topic, limit)
    story_ids = [story_id for story_id, _ in order]
    rows = relevant_articles_of(session, story_ids)
    ids = [row.id for row in rows]
    return feed_stories(
        rows,
        order,
        tags=tags_for(session, ids),
        stories=stories_for(session, story_ids),
        members=members_of(session, story_ids, ids),
        relevance_topic=relevance_topic,
        tz=tz,
    )


def build_feed(
    engine: Engine,
    *,
    slug: str,
    title: str,
    relevance_topic: str,
    now: datetime,
    tz: ZoneInfo = NEWSROOM_TZ,
    self_url: str | None = None,
) -> bytes:
    """The Atom document of topic ``slug`` (the relevance topic: every relevant story);
    ``self_url`` is where it is published (its ``rel="self"`` link)."""
    with session_scope(engine) as session:
        stories = collect_feed(
            session,
            topic=None if slug == relevance_topic else slug,
            relevance_topic=relevance_topic,
            tz=tz,
        )
    return render_atom(stories, slug=slug, title=title, updated=now, self_url=self_url)


def write_feeds(
    engine: Engine,
    feeds_dir: Path,
    topics: Mapping[str, str],
    *,
    relevance_topic: str,
    now: datetime,
    tz: ZoneInfo = NEWSROOM_TZ,
) -> tuple[list[Path], list[str]]:
    """``<feeds_dir>/<slug>.atom`` for the relevance topic and every subtopic in ``topics``
    (slug -> label); each replaced atomically. Returns the files written and the failures."""
    written: list[Path] = []
    failures: list[str] = []
    slugs = [relevance_topic, *(s for s in topics if s != relevance_topic)]
    for slug in slugs:
        path = feeds_dir / f"{slug}.atom"
        if path.resolve().parent != feeds_dir.resolve():  # slugs are checked on load; belt
            failures.append(f"feed {slug!r}: not a file name inside {feeds_dir}")
            continue
        try:
            document = build_feed(
                engine,
                slug=slug,
                title=topics.get(slug, slug),
                relevance_topic=relevance_topic,
                now=now,
                tz=tz,
                self_url=path.resolve().as_uri(),
            )
            feeds_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_bytes(document)
            os.replace(tmp, path)
        except OSError as exc:
            log.error("feed %s not written: %s", path, exc)
            failures.append(f"feed {path}: {exc}")
            continue
        written.append(path)
    return written, failures


def publish_after_ingest(
    engine: Engine,
    *,
    data_dir: Path,
    topics: Mapping[str, str],
    relevance_topic: str,
    alerts: AlertsConfig = NO_ALERTS,
    smtp: SmtpSettings | None = None,
    now: datetime | None = None,
    tz: ZoneInfo = NEWSROOM_TZ,
    alert_window: timedelta = DEFAULT_ALERT_WINDOW,
    webhook_client: httpx.Client | None = None,
) -> PublishReport:
    """Write ``<data_dir>/feeds/*.atom``, fire the alerts the recent articles meet (once per
    alert and story) and deliver every owed alert, this run's and earlier failures.

    ``topics`` maps each taxonomy slug to its label (one feed per slug); ``alert_window`` is
    how far back an article still counts as news for an alert.
    """
    moment = now or utcnow()
    report = PublishReport()
    report.feeds, feed_failures = write_feeds(
        engine, data_dir / "feeds", topics, relevance_topic=relevance_topic, now=moment, tz=tz
    )
    report.failed.extend(feed_failures)
    report.fired = evaluate_alerts(engine, alerts, since=moment - alert_window, now=moment)
    delivered = deliver_owed(engine, smtp, now=moment, client=webhook_client, zone=tz)
    report.sent = len(delivered.sent)
    report.failed.extend(
        mask_secrets(f"alert {alert} (story {story_id}) to {channel} {target}: {error}")
        for channel, target, alert, story_id, error in delivered.failed
    )
    report.failed.extend(
        f"alert {alert} (story {story_id}) to {channel} {target}: delivery unknown: {why}"
        for channel, target, alert, story_id, why in delivered.unknown
    )
    return report
