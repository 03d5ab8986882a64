"""The digest job: build a day's digest (files + record) and email it once per recipient.

Plain functions: the CLI calls them directly and the Prefect ``digest`` flow wraps them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from digests.group import DEFAULT_RELEVANCE_TOPIC
from digests.mailer import MailError, SmtpSettings, build_message, send_messages
from digests.model import MODE_PUBLISHED, MODE_SEEN, DigestData
from digests.render import render_html, render_markdown, render_text
from digests.select import collect_digest
from storage.db import session_scope
from storage.digest_sends import UNKNOWN, owed_days, recipients_sent, record_send
from storage.digests import digest_modes, record_digest

log = logging.getLogger(__name__)

DEFAULT_TIMEZONE = "Europe/Amsterdam"
OWED_LOOKBACK_DAYS = 7


@dataclass(slots=True)
class DigestResult:
    """A built digest: where its files are and what the email will contain."""

    day: date
    mode: str
    markdown_path: Path
    html_path: Path
    subject: str
    n_stories: int
    n_articles: int
    markdown: str
    html: str
    text: str
    data: DigestData


@dataclass(slots=True)
class SendReport:
    """What one send run did per recipient."""

    day: date
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already had it
    failed: dict[str, str] = field(default_factory=dict)  # recipient -> error
    unknown: dict[str, str] = field(default_factory=dict)  # went out, no reply: not resent

    @property
    def ok(self) -> bool:
        return not self.failed


def digest_paths(out_dir: Path, day: date, mode: str) -> tuple[Path, Path]:
    """``YYYY-MM-DD.md``/``.html``; a by-publication digest is ``YYYY-MM-DD-published.*``."""
    stem = day.isoformat() if mode == MODE_SEEN else f"{day.isoformat()}-{MODE_PUBLISHED}"
    return out_dir / f"{stem}.md", out_dir / f"{stem}.html"


def _write(path: Path, content: str) -> None:
    """Write via a temporary file, so a reader never sees half a digest."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, path)


def build_digest(
    engine: Engine,
    day: date,
    *,
    published: bool = False,
    tz: str | ZoneInfo = DEFAULT_TIMEZONE,
    out_dir: Path,
    relevance_topic: str | None = DEFAULT_RELEVANCE_TOPIC,
) -> DigestResult:
    """Select, group and render the digest of ``day``; write the Markdown and HTML files and
    record which articles it reported (so later digests can mark updates).

    ``relevance_topic`` is the taxonomy's beat topic: it groups only stories without a subtopic.
    """
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    mode = MODE_PUBLISHED if published else MODE_SEEN
    with session_scope(engine) as session:
        data = collect_digest(session, day, zone, mode, relevance_topic)
    markdown, html, text = render_markdown(data), render_html(data), render_text(data)
    md_path, html_path = digest_paths(out_dir, day, mode)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write(md_path, markdown)
    _write(html_path, html)
    if data.chart_png is not None:  # the Markdown digest shows it from beside itself
        (out_dir / data.chart_file).write_bytes(data.chart_png)
    items = [(a.id, a.story_id, a.text_hash) for story in data.stories for a in story.articles]
    with session_scope(engine) as session:
        record_digest(
            session,
            day,
            mode,
            markdown_path=str(md_path),
            html_path=str(html_path),
            n_stories=data.n_stories,
            items=items,
        )
    log.info("digest %s (%s): %d stories, %s", day, mode, data.n_stories, md_path)
    return DigestResult(
        day=day,
        mode=mode,
        markdown_path=md_path,
        html_path=html_path,
        subject=data.subject,
        n_stories=data.n_stories,
        n_articles=data.n_articles,
        markdown=markdown,
        html=html,
        text=text,
        data=data,
    )


def send_digest(
    engine: Engine,
    result: DigestResult,
    smtp_settings: SmtpSettings,
    recipients: Sequence[str],
    force: bool = False,
) -> SendReport:
    """Email the digest to every recipient that has not received this day's digest yet
    (everyone with ``force``). Every attempt is recorded, failures with their reason, so a
    later run sends what is still owed."""
    report = SendReport(day=result.day)
    wanted = list(dict.fromkeys(r.strip() for r in recipients if r.strip()))
    with session_scope(engine) as session:
        done = set() if force else recipients_sent(session, result.day)
    owed = [r for r in wanted if r not in done]
    report.skipped = [r for r in wanted if r in done]
    if not owed:
        return report
    messages = [
        build_message(
            subject=result.subject,
            sender=smtp_settings.sender,
            recipient=recipient,
            text=result.text,
            html=result.html,
        )
        for recipient in owed
    ]
    try:
        deliveries = send_messages(smtp_settings, messages)
    except MailError as exc:
        log.error("digest %s not sent: %s", result.day, exc)
        report.failed = {recipient: str(exc) for recipient in owed}
    else:
        for delivery in deliveries:
            if delivery.error is None:
                report.sent.append(delivery.recipient)
            elif delivery.unknown:
                report.unknown[delivery.recipient] = delivery.error
            else:
                report.failed[delivery.recipient] = delivery.error
    ids = {str(m["To"]): str(m["Message-ID"]) for m in messages}
    with session_scope(engine) as session:
        for recipient in report.sent:
            record_send(
                session,
                result.day,
                recipient,
                status="sent",
                subject=result.subject,
                message_id=ids.get(recipient),
            )
        for recipient, error in report.failed.items():
            record_send(
                session, result.day, recipient, status="failed", subject=result.subject, error=error
            )
        for recipient, error in report.unknown.items():
            record_send(
                session,
                result.day,
                recipient,
                status=UNKNOWN,
                subject=result.subject,
                message_id=ids.get(recipient),
                error=error,
            )
    return report


def send_owed(
    engine: Engine,
    smtp_settings: SmtpSettings,
    recipients: Sequence[str],
    *,
    before: date,
    tz: str | ZoneInfo = DEFAULT_TIMEZONE,
    out_dir: Path,
    relevance_topic: str | None = DEFAULT_RELEVANCE_TOPIC,
    lookback_days: int = OWED_LOOKBACK_DAYS,
) -> list[SendReport]:
    """Send the digests of earlier days (up to ``lookback_days`` before ``before``) whose
    email failed and was never delivered since; each is rebuilt from the database first."""
    since = before - timedelta(days=lookback_days)
    with session_scope(engine) as session:
        owed = owed_days(session, recipients, since, before)
        modes = {day: digest_modes(session, day) for day in owed}
    reports = []
    for day, names in owed.items():
        published = modes[day] == [MODE_PUBLISHED]
        log.info("digest %s is still owed to %d recipient(s)", day, len(names))
        result = build_digest(
            engine,
            day,
            published=published,
            tz=tz,
            out_dir=out_dir,
            relevance_topic=relevance_topic,
        )
        reports.append(send_digest(engine, result, smtp_settings, names))
    return reports
