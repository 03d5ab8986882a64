"""`newsmon ingest` (poll the configured sources) and `newsmon sources` (their health; the
group also holds `sources check`, the live probe in cli/sources_check.py)."""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine

from cli.common import (
    EXIT_NOTHING_RAN,
    EXIT_OK,
    err_console,
    fail,
    interrupted_exit,
    open_engine,
    outcome_exit_code,
)
from cli.ingest_summary import echo_json, ingest_json, print_summary
from cli.settings import Settings, get_settings, make_processor
from pipeline.ingest_types import SourceCounts
from pipeline.run_summary import report_rows
from scrapers.errors import SourcesConfigError, UnknownSourceError
from scrapers.sources import SourcesConfig, load_sources_file

if TYPE_CHECKING:
    from pipeline.ingest import IngestReport
    from pipeline.publish import PublishReport

log = logging.getLogger(__name__)


def load_config(settings: Settings) -> SourcesConfig:
    """The validated sources file, or a clean exit naming file, source and field."""
    try:
        return load_sources_file(settings.sources_file)
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
    from pipeline.ingest import IngestContext, run_ingest  # heavy: only when ingesting
    from pipeline.pacing_db import make_pacer

    settings = get_settings()
    ctx = IngestContext(
        engine,
        config,
        refetch=refetch,
        trigger=trigger,
        pacer=make_pacer(engine, settings.pacer),
        # Built now, so a broken taxonomy stops the command before any fetch (one line).
        processor=make_processor(settings),
        new_processor=partial(make_processor, settings),
    )
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=False) as progress:
        tasks: dict[str, Any] = {}

        def on_event(event: str, **data: Any) -> None:
            name = data.get("source")
            if event == "source_start" and name:
                tasks[name] = progress.add_task(name, total=None, note="discovering")
            elif event == "discovered" and name in tasks:
                progress.update(tasks[name], total=data["n"], note=f"{data['n']} listed")
            elif event == "fetched" and name in tasks:
                counts: SourceCounts = data["counts"]
                progress.advance(tasks[name], data["n"])
                progress.update(tasks[name], note=f"{counts.new} new, {counts.failed} failed")
            elif event == "source_done" and name in tasks:
                task = progress.tasks[tasks[name]]
                progress.update(
                    tasks[name],
                    total=task.total or 0,
                    completed=task.total or 0,
                    note=data["status"],
                )

        try:
            return run_ingest(ctx, source_names, progress=on_event, stop_on_signals=True)
        except UnknownSourceError as exc:
            raise fail(str(exc), EXIT_NOTHING_RAN) from exc


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


def ingest(
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
    config = load_config(settings)
    with open_engine(settings) as engine:
        report = ingest_sources(engine, config, source or None, refetch=refetch)
        if report.signal is not None:
            raise interrupted_exit(report.signal, report.run_id)
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
    from cli.digest_setup import DigestSettingsError
    from cli.feeds import publish_with_settings
    from processing.alerts import AlertsConfigError

    try:
        return publish_with_settings(engine, settings)
    except (AlertsConfigError, DigestSettingsError) as exc:
        raise fail(str(exc)) from exc
