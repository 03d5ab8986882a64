"""`newsmon ingest` (poll the configured sources) and `newsmon sources` (their health; the
group also holds `sources check`, the live probe in cli/sources_check.py)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import typer
from sqlalchemy import Engine

from cli.common import (
    EXIT_NOTHING_RAN,
    EXIT_OK,
    err_console,
    fail,
    interrupted_exit,
    open_engine,
    outcome_exit_code,
    signals_unwind,
)
from cli.ingest_progress import IngestProgress
from cli.ingest_summary import echo_json, ingest_json, print_summary
from cli.preflight import preflight_or_exit
from composition.settings import Settings, current_config, get_settings
from pipeline.run_summary import report_rows
from scrapers.errors import SourcesConfigError, UnknownSourceError
from scrapers.sources import SourcesConfig, select_sources

if TYPE_CHECKING:
    from pipeline.ingest import IngestReport
    from pipeline.ingest.publish import PublishReport

log = logging.getLogger(__name__)


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
    """The run's summary: per-source status and counts, failed sources first with a reason."""
    rows = report_rows(report.sources, report.source_status)
    print_summary(f"ingest run {report.run_id}: {report.status}", rows)


def report_json(report: IngestReport, published: PublishReport) -> dict[str, Any]:
    """``ingest --json``: the summary and what publishing did, the shape ``run --json`` uses."""
    rows = report_rows(report.sources, report.source_status)
    return {
        **ingest_json(report.run_id, report.status, report.total_new, rows),
        "feeds": len(published.feeds),
        "alerts_fired": published.fired,
        "alerts_sent": published.sent,
        "alerts_failed": published.failed,
    }


def ingest_command(
    source: list[str] = typer.Option(
        None, "--source", "-s", help="Only this source (repeatable); default: all enabled."
    ),
    refetch: bool = typer.Option(
        False, "--refetch", help="Re-check stored articles too (conditional GETs)."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the summary as one JSON object instead of a table."
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
            raise interrupted_exit(report.signal, report.run_id, report.status)
        if as_json:
            echo_json(report_json(report, publish_after(engine, settings)))
        else:
            from cli.feeds import report_publish

            print_report(report)
            report_publish(publish_after(engine, settings))
    code = outcome_exit_code(report.source_status.values())
    if code != EXIT_OK:
        raise typer.Exit(code)


def publish_after(engine: Engine, settings: Settings) -> PublishReport:
    """Feeds and alerts after the run (the run is recorded already: a failure here loses
    nothing, it is reported and the command fails)."""
    from composition.digest_setup import DigestSettingsError
    from composition.publish_setup import publish_with_settings
    from processing.alerts import AlertsConfigError

    try:
        return publish_with_settings(engine, settings)
    except (AlertsConfigError, DigestSettingsError) as exc:
        raise fail(str(exc)) from exc
