"""`newsmon ingest` (poll the configured sources) and `newsmon sources` (their health; the
group also holds `sources check`, the live probe in cli/sources_check.py)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine

from cli.common import (
    EXIT_NOTHING_RAN,
    EXIT_OK,
    console,
    err_console,
    fail,
    interrupted_exit,
    open_engine,
    outcome_exit_code,
    signals_unwind,
)
from cli.ingest_progress import IngestProgress
from cli.preflight import preflight_or_exit
from composition.settings import Settings, current_config, get_settings
from pipeline.run_state import COUNT_NAMES
from scrapers.errors import SourcesConfigError, UnknownSourceError
from scrapers.sources import SourcesConfig, select_sources
from storage.masking import mask_secrets

if TYPE_CHECKING:
    from pipeline.ingest import IngestReport

log = logging.getLogger(__name__)

HEADERS = {
    "discovered": "found",
    "new": "new",
    "known": "known",
    "not_modified": "304",
    "failed": "failed",
    "no_article": "no art.",
    "duplicates": "dup",
    "updated": "upd",
}
STATUS_STYLE = {
    "ok": "green",
    "failing": "yellow",
    "blocked": "red",
    "unreachable": "red",
    "abandoned": "red",
    "interrupted": "yellow",
}


def load_config(settings: Settings) -> SourcesConfig:
    """The validated sources file, or a clean exit naming file, source and field."""
    try:
        return current_config(settings)
    except SourcesConfigError as exc:
        raise fail(str(exc), EXIT_NOTHING_RAN) from exc


def ingest_sources(
    engine: Engine,
    config: SourcesConfig,
    source_names: list[str] | None = None,
    refetch: bool = False,
    trigger: str = "cli",
) -> IngestReport:
    """Run the ingest core with a live progress display (one bar per source)."""
    from composition.context import context_for  # heavy: only when ingesting
    from pipeline.ingest import run_ingest
    from pipeline.pacing_db import make_pacer

    settings = get_settings()
    pacer = make_pacer(engine, settings.pacer)
    ctx = context_for(
        engine, config, settings, refetch=refetch, trigger=trigger, pacer=pacer, build_now=True
    )
    try:
        total = len(select_sources(config, source_names, include_disabled=bool(source_names)))
        # Fetching stops on SIGTERM / Ctrl-C inside run_ingest; before that (the run and its
        # sources being registered: long for thousands) a signal unwinds and is recorded here.
        with signals_unwind() as received:
            try:
                with IngestProgress(err_console, total) as on_event:
                    return run_ingest(ctx, source_names, progress=on_event, stop_on_signals=True)
            except KeyboardInterrupt:
                if not received:
                    raise
                return interrupted_before_fetching(received[0])
    except UnknownSourceError as exc:
        raise fail(str(exc), EXIT_NOTHING_RAN) from exc


def interrupted_before_fetching(signum: int) -> IngestReport:
    """The report of a run stopped by ``signum`` before its sources ran (``run_ingest`` has
    closed the run as interrupted if it was opened); nothing was fetched."""
    from pipeline.run_state import IngestReport

    report = IngestReport(run_id=None, status="interrupted")
    report.signal = signum
    return report


def print_report(report: IngestReport) -> None:
    """Per-source counts and status of one run, then its errors (first few per source)."""
    table = Table(title=f"ingest run {report.run_id}: {report.status}")
    table.add_column("source")
    table.add_column("status")
    for name in COUNT_NAMES:
        table.add_column(HEADERS[name], justify="right")
    for name, counts in report.sources.items():
        status = report.source_status[name]
        values = counts.as_counts()
        table.add_row(
            name,
            f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]",
            *(str(values[n]) for n in COUNT_NAMES),
        )
    console.print(table)
    for name, counts in report.sources.items():
        for error in counts.errors[:5]:
            console.print(
                f"[yellow]{escape(name)}[/] {escape(str(error.outcome))}: "
                + escape(mask_secrets(f"{error.url} — {error.error}"))
            )
        if len(counts.errors) > 5:
            console.print(f"[yellow]{escape(name)}[/] … {len(counts.errors) - 5} more errors")


def ingest_command(
    source: list[str] = typer.Option(
        None, "--source", "-s", help="Only this source (repeatable); default: all enabled."
    ),
    refetch: bool = typer.Option(
        False, "--refetch", help="Re-check stored articles too (conditional GETs)."
    ),
) -> None:
    """Poll the configured sources: discover, fetch new articles politely, extract and store.

    Exit code 0: every source ok or unchanged; 1: some failed; 2: all failed or none could run;
    130 / 143 after Ctrl-C / SIGTERM (the run is recorded as interrupted).
    """
    settings = get_settings()
    config = preflight_or_exit(settings).sources  # every setting checked before any request
    with open_engine(settings) as engine:
        report = ingest_sources(engine, config, source or None, refetch=refetch)
        if report.signal is not None:
            raise interrupted_exit(report.signal, report.run_id)
        print_report(report)
        publish_after(engine, settings)
    code = outcome_exit_code(report.source_status.values())
    if code != EXIT_OK:
        raise typer.Exit(code)


def publish_after(engine: Engine, settings: Settings) -> None:
    """Feeds and alerts after the run (the run is recorded already: a failure here loses
    nothing, it is reported and the command fails)."""
    from cli.feeds import report_publish
    from composition.digest_setup import DigestSettingsError
    from composition.publish_setup import publish_with_settings
    from processing.alerts import AlertsConfigError

    try:
        report_publish(publish_with_settings(engine, settings))
    except (AlertsConfigError, DigestSettingsError) as exc:
        raise fail(str(exc)) from exc
