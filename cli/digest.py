"""`newsmon digest`: write a day's digest (Markdown + HTML) and optionally email it."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from cli.common import err_console, fail, open_engine
from cli.dates import parse_day
from cli.digest_setup import DigestSettingsError, digest_options, send_owed_digests
from cli.preflight import preflight_or_exit
from cli.settings import get_settings
from digests.select import today

if TYPE_CHECKING:
    from pipeline.digest import SendReport


def _parse_day(value: str | None) -> date | None:
    return None if value is None else parse_day(value, "--date")


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
    from pipeline.digest import build_digest, send_digest  # rendering: only when it runs

    settings = get_settings()
    wanted_day = _parse_day(day)
    preflight_or_exit(settings)  # every setting checked before anything is written or sent
    try:
        options = digest_options(settings)
    except DigestSettingsError as exc:
        raise fail(str(exc)) from exc
    with open_engine(settings) as engine:
        try:
            result = build_digest(
                engine,
                wanted_day or today(options.tz),
                published=published,
                tz=options.tz,
                out_dir=options.out_dir,
                relevance_topic=options.relevance_topic,
            )
        except OSError as exc:
            raise fail(f"cannot write the digest to {options.out_dir}: {exc}") from exc
        typer.echo(str(result.markdown_path))
        if not (send or force):
            return
        if options.smtp is None:
            raise fail("cannot send: NEWSMON_SMTP_HOST is not set (the files were written)")
        if not options.recipients:
            raise fail("cannot send: NEWSMON_DIGEST_TO names no recipient (files were written)")
        report = send_digest(engine, result, options.smtp, options.recipients, force=force)
        earlier = [] if report.failed else send_owed_digests(engine, options, result.day)
    _print_reports(report, earlier, len(options.recipients))


def _print_reports(report: SendReport, earlier: list[SendReport], n_recipients: int) -> None:
    for done in (report, *earlier):
        for recipient in done.sent:
            err_console.print(f"digest {done.day} sent to {escape(recipient)}")
    for recipient in report.skipped:
        err_console.print(f"already sent to {escape(recipient)} (use --force to resend)")
    for done in (report, *earlier):
        for recipient, why in done.unknown.items():
            err_console.print(
                f"digest {done.day} to {escape(recipient)}: delivery unknown ({escape(why)}); "
                "recorded as unknown, not sent again without --force"
            )
    for failed in (report, *earlier):
        if failed.failed:
            first = next(iter(failed.failed.values()))
            raise fail(
                f"digest {failed.day} not sent to {len(failed.failed)} of {n_recipients} "
                f"recipient(s): {escape(first)}. The files were written and the failure "
                "recorded; run `newsmon digest --send` again to send what is owed."
            )
