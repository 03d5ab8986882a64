"""`newsmon feed` (an Atom feed on demand) and `newsmon alerts` (what fired, what was delivered).

Publishing after a run is configured in ``composition/publish_setup.py``; this module prints
its report.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.table import Table

from cli.common import EXIT_NOTHING_RAN, console, fail, iso_utc, open_engine
from cli.times import local_minute
from composition.digest_setup import DigestSettingsError, digest_zone
from composition.publish_setup import feed_topics
from composition.settings import get_settings
from storage.db import session_scope
from storage.masking import mask_secrets, mask_url
from storage.types import utcnow

if TYPE_CHECKING:
    from pipeline.ingest.publish import PublishReport

# The feed, alert and taxonomy modules are imported by the commands that use them, so other
# commands do not pay for them at start-up (benchmarks/cli_startup.py).


def report_publish(report: PublishReport) -> None:
    """One line on what the publish pass did, and each failure on its own line."""
    console.print(
        f"feeds: {len(report.feeds)} written; alerts: {report.fired} fired, {report.sent} sent"
        + (f", {len(report.failed)} failed" if report.failed else "")
    )
    for line in report.failed:
        console.print(f"  [yellow]{escape(mask_secrets(line))}[/]")


def feed(
    topic: str | None = typer.Option(
        None, "--topic", help="A topic slug of the taxonomy; default the beat (relevance) topic."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write to FILE instead of stdout."),
) -> None:
    """Print (or write) the Atom feed of a topic: its latest 100 stories, one entry each."""
    from pipeline.ingest.publish import build_feed

    settings = get_settings()
    try:
        topics, relevance = feed_topics(settings)
        zone: ZoneInfo = digest_zone(settings)
    except DigestSettingsError as exc:
        raise fail(str(exc)) from exc
    slug = topic or relevance
    if slug not in topics:
        raise fail(
            f"unknown topic {slug!r}; known topics: {', '.join(sorted(topics))}", EXIT_NOTHING_RAN
        )
    with open_engine(settings) as engine:
        where = out if out is not None else settings.data_dir / "feeds" / f"{slug}.atom"
        document = build_feed(
            engine,
            slug=slug,
            title=topics[slug],
            relevance_topic=relevance,
            now=utcnow(),
            tz=zone,
            self_url=where.resolve().as_uri(),
        )
    if out is None:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(document)
    except OSError as exc:
        raise fail(f"cannot write {out}: {exc}") from exc
    console.print(f"feed {slug} written to {escape(str(out))}")


def _reopen_unknown() -> None:
    from storage.alert_claims import reopen_unknown

    with open_engine(get_settings()) as engine, session_scope(engine) as session:
        reopened = reopen_unknown(session)
    console.print(
        f"{reopened} alert deliveries with an unknown outcome are owed again: "
        "the next `newsmon ingest` sends them"
    )


def alerts(
    as_json: bool = typer.Option(False, "--json", help="One JSON object per alert and story."),
    limit: int = typer.Option(50, "--limit", min=1, help="How many recent alerts."),
    resend_unknown: bool = typer.Option(
        False,
        "--resend-unknown",
        help="Make every delivery whose outcome is unknown owed again (the next ingest sends "
        "it); first check that the receiver did not get it.",
    ),
) -> None:
    """Recent alerts (newest first) and the delivery state of each channel."""
    if resend_unknown:
        _reopen_unknown()
        return
    from pipeline.ingest.publish import load_alerts_file
    from processing.alerts import AlertsConfigError
    from storage.firings import recent_firings

    settings = get_settings()
    try:
        load_alerts_file(settings.alerts_file)
    except AlertsConfigError as exc:
        raise fail(str(exc)) from exc
    with open_engine(settings) as engine, session_scope(engine) as session:
        firings = recent_firings(session, limit)
    if as_json:
        for f in firings:
            record = {
                "alert": f.alert,
                "kind": f.kind,
                "story_id": f.story_id,
                "title": f.title,
                "url": f.url,
                "met_at": iso_utc(f.met_at),
                "fired_at": iso_utc(f.fired_at),
                "deliveries": [
                    {
                        "channel": d.channel,
                        "target": mask_url(d.target),
                        "status": d.status,
                        "attempts": d.attempts,
                        "error": None if d.error is None else mask_secrets(d.error),
                        "last_attempt_at": iso_utc(d.last_attempt_at),
                        "sent_at": iso_utc(d.sent_at),
                    }
                    for d in f.deliveries
                ],
            }
            typer.echo(json.dumps(record, ensure_ascii=False))
        return
    if not firings:
        console.print(f"no alerts have fired (alerts file: {escape(str(settings.alerts_file))})")
        return
    zone = ZoneInfo(settings.timezone)
    table = Table(title=f"recent alerts (times {zone.key})")
    table.add_column("fired", no_wrap=True)
    for column in ("alert", "story", "title", "deliveries"):
        table.add_column(column)
    for f in firings:
        states = ", ".join(
            f"{d.channel} {mask_url(d.target)}: {d.status}"
            + (
                f" ({d.attempts} attempts: {mask_secrets(d.error)})"
                if d.status != "sent" and d.error
                else ""
            )
            for d in f.deliveries
        )
        table.add_row(
            local_minute(f.fired_at, zone) or "",
            escape(f.alert),
            str(f.story_id),
            escape(f.title),
            escape(states),
        )
    console.print(table)
