"""`newsmon digest`: write a day's digest (Markdown + HTML) and optionally email it."""

from __future__ import annotations

import tomllib
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.markup import escape
from sqlalchemy import Engine

from digests.group import DEFAULT_RELEVANCE_TOPIC
from digests.mailer import SmtpSettings
from digests.select import today
from flows.cli_common import err_console, fail, open_engine
from flows.jobs.digest import DigestResult, SendReport, build_digest, send_digest, send_owed
from flows.settings import Settings, get_settings


def smtp_settings(settings: Settings) -> SmtpSettings | None:
    """The SMTP settings, or None when no SMTP host is configured."""
    if not settings.smtp_host:
        return None
    return SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        user=settings.smtp_user,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
        use_ssl=settings.smtp_ssl,
        sender=settings.smtp_from,
    )


def zone(settings: Settings) -> ZoneInfo:
    """The configured digest zone, or a clear error."""
    try:
        return ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise fail(f"NEWSMON_TIMEZONE={settings.timezone!r} is not a known time zone") from exc


def relevance_topic(settings: Settings) -> str:
    """The taxonomy's beat topic (``relevance_topic`` in the topics file)."""
    path = settings.topics_file
    if not path.is_file():
        return DEFAULT_RELEVANCE_TOPIC
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise fail(f"cannot read the topics file {path}: {exc}") from exc
    return str(data.get("relevance_topic", DEFAULT_RELEVANCE_TOPIC))


def write_digest(
    engine: Engine, settings: Settings, day: date | None = None, published: bool = False
) -> DigestResult:
    """Build the digest of ``day`` (default: today in the configured zone) into data/digests."""
    tz = zone(settings)
    out_dir = settings.data_dir / "digests"
    try:
        return build_digest(
            engine,
            day or today(tz),
            published=published,
            tz=tz,
            out_dir=out_dir,
            relevance_topic=relevance_topic(settings),
        )
    except OSError as exc:
        raise fail(f"cannot write the digest to {out_dir}: {exc}") from exc


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise fail(f"--date {value!r} is not a date: use YYYY-MM-DD") from exc


def digest(
    day: str | None = typer.Option(
        None, "--date", help="The day (YYYY-MM-DD); default today in NEWSMON_TIMEZONE."
    ),
    published: bool = typer.Option(
        False, "--published", help="Select by publication date instead of first-seen date."
    ),
    send: bool = typer.Option(
        False, "--send", help="Email it to NEWSMON_DIGEST_TO (each recipient once per day)."
    ),
    force: bool = typer.Option(
        False, "--force", help="Send again to recipients who already had it (implies --send)."
    ),
) -> None:
    """Write a day's digest to data/digests/ and print the Markdown file's path."""
    settings = get_settings()
    wanted_day = _parse_day(day)
    with open_engine(settings) as engine:
        result = write_digest(engine, settings, wanted_day, published)
        typer.echo(str(result.markdown_path))
        if not (send or force):
            return
        smtp = smtp_settings(settings)
        recipients = settings.digest_recipients
        if smtp is None:
            raise fail("cannot send: NEWSMON_SMTP_HOST is not set (the files were written)")
        if not recipients:
            raise fail("cannot send: NEWSMON_DIGEST_TO names no recipient (files were written)")
        report = send_digest(engine, result, smtp, recipients, force=force)
        earlier = [] if report.failed else _send_owed(engine, settings, smtp, result.day)
    for done in (report, *earlier):
        for recipient in done.sent:
            err_console.print(f"digest {done.day} sent to {escape(recipient)}")
    for recipient in report.skipped:
        err_console.print(f"already sent to {escape(recipient)} (use --force to resend)")
    for failed in (report, *earlier):
        if failed.failed:
            first = next(iter(failed.failed.values()))
            raise fail(
                f"digest {failed.day} not sent to {len(failed.failed)} of {len(recipients)} "
                f"recipient(s): {escape(first)}. The files were written and the failure "
                "recorded; run `newsmon digest --send` again to send what is owed."
            )


def _send_owed(
    engine: Engine, settings: Settings, smtp: SmtpSettings, day: date
) -> list[SendReport]:
    """Earlier days whose email failed and is still owed: sent now that the server answers."""
    tz = zone(settings)
    return send_owed(
        engine,
        smtp,
        settings.digest_recipients,
        before=day,
        tz=tz,
        out_dir=settings.data_dir / "digests",
        relevance_topic=relevance_topic(settings),
    )
