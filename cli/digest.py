"""`newsmon digest`: write a day's digest (Markdown + HTML) and optionally email it."""

from __future__ import annotations

import signal
from datetime import date
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from cli.common import err_console, fail, open_engine
from cli.dates import parse_day
from cli.preflight import preflight_or_exit
from composition.digest_setup import DigestSettingsError, digest_options, send_owed_digests
from composition.settings import get_settings
from digests.select import today

if TYPE_CHECKING:
    from pipeline.digest_send import SendReport

CONFIG_ERROR = 2


def _parse_day(value: str | None) -> date | None:
    return None if value is None else parse_day(value, "--date")


def digest_command(
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
    resend_unknown: bool = typer.Option(
        False,
        "--resend-unknown",
        help="Send again to recipients whose delivery is unknown (implies --send).",
    ),
    allow_empty: bool = typer.Option(
        False, "--allow-empty", help="Email the digest even when it has no stories."
    ),
) -> None:
    """Write a day's digest to data/digests/ and print the Markdown file's path."""
    from pipeline.digest import build_digest  # rendering: only when it runs
    from pipeline.digest_send import send_digest
    from storage.digest_sends import REGULAR, RESEND_UNKNOWN

    settings = get_settings()
    wanted_day = _parse_day(day)
    preflight_or_exit(settings)  # every setting checked before anything is written or sent
    try:
        options = digest_options(settings)
    except DigestSettingsError as exc:
        raise fail(str(exc), CONFIG_ERROR) from exc
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
        if not (send or force or resend_unknown):
            return
        if options.smtp is None:
            raise fail("cannot send: NEWSMON_SMTP_HOST is not set (the files were written)")
        if not options.recipients:
            raise fail("cannot send: NEWSMON_DIGEST_TO names no recipient (files were written)")
        mode = RESEND_UNKNOWN if resend_unknown else REGULAR
        report = send_digest(
            engine,
            result,
            options.smtp,
            options.recipients,
            force=force,
            mode=mode,
            allow_empty=allow_empty,
            pass_on_signal=False,  # this command exits 130 / 143 with one line
        )
        earlier: list[SendReport] = []
        if not report.failed and report.signal is None:
            earlier = send_owed_digests(
                engine, options, result.day, allow_empty=allow_empty, pass_on_signal=False
            )
    _print_reports(report, earlier, len(options.recipients))


def _print_reports(report: SendReport, earlier: list[SendReport], n_recipients: int) -> None:
    done_all = (report, *earlier)
    if report.empty:
        err_console.print(
            f"digest {report.day} has no stories: not mailed (--allow-empty mails it anyway)"
        )
    for done in done_all:
        for recipient in done.sent:
            err_console.print(f"digest {done.day} sent to {escape(recipient)}")
    for recipient in report.skipped:
        err_console.print(f"already sent to {escape(recipient)} (use --force to resend)")
    for recipient in report.still_unknown:
        err_console.print(
            f"digest {report.day} to {escape(recipient)}: delivery unknown since an earlier "
            "run, not sent again (--resend-unknown sends it)"
        )
    for recipient in report.busy:
        err_console.print(
            f"digest {report.day} to {escape(recipient)} is being sent by another newsmon "
            "process right now: skipped"
        )
    stopped = next((done for done in done_all if done.signal is not None), None)
    if stopped is not None and stopped.signal is not None:
        name = signal.Signals(stopped.signal).name
        err_console.print(
            f"interrupted by {name}: digest {stopped.day} not sent to "
            f"{len(stopped.not_attempted)} recipient(s) yet (each one sent was recorded); "
            "run `newsmon digest --send` again to send them",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(128 + stopped.signal)
    unknown = [(done.day, r, why) for done in done_all for r, why in done.unknown.items()]
    for day, recipient, why in unknown:
        err_console.print(
            f"[bold red]error:[/] digest {day} to {escape(recipient)}: delivery unknown "
            f"({escape(why)}); recorded as unknown and not sent again by itself: if it did "
            f"not arrive, run `newsmon digest --date {day} --resend-unknown`"
        )
    for failed in done_all:
        if failed.failed:
            first = next(iter(failed.failed.values()))
            raise fail(
                f"digest {failed.day} not sent to {len(failed.failed)} of {n_recipients} "
                f"recipient(s): {escape(first)}. The files were written and the failure "
                "recorded; run `newsmon digest --send` again to send what is owed."
            )
    if unknown:
        raise typer.Exit(1)
