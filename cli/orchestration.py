"""``newsmon run``, ``serve``, ``schedule`` and ``backfill``: the flows from the CLI.

Prefect is imported inside the commands, so ``newsmon --help`` stays fast and Prefect's own
settings (analytics off, log level) are in place before it loads.
"""

from __future__ import annotations

import logging
import os
import signal
from datetime import date
from typing import Any, cast

import typer

from cli.common import (
    EXIT_NOTHING_RAN,
    EXIT_OK,
    console,
    err_console,
    fail,
    log_service_progress,
    open_engine,
    outcome_exit_code,
    signals_unwind,
)
from cli.dates import parse_day
from cli.ingest_summary import echo_json, ingest_json, print_summary
from cli.preflight import preflight_or_exit
from composition.runtime import prefect_env_defaults
from composition.settings import get_settings
from scrapers.sources import SourcesConfig

log = logging.getLogger(__name__)


def _config() -> SourcesConfig:
    """Every configuration file and setting checked (``cli/preflight.py``); the sources."""
    return preflight_or_exit(get_settings()).sources


def serve_command(
    limit: int | None = typer.Option(
        None, "--limit", min=1, help="Most flow runs at once in this process (default: no cap)."
    ),
) -> None:
    """Serve the ingest, digest, backfill and retag deployments against PREFECT_API_URL (blocks)."""
    prefect_env_defaults()
    log_service_progress()
    config = _config()
    if not os.environ.get("PREFECT_API_URL"):
        console.print(
            "[yellow]PREFECT_API_URL is not set:[/] serving against a temporary local API. "
            "Start `prefect server start` and export "
            "PREFECT_API_URL=http://127.0.0.1:4200/api to see the deployments in the UI."
        )
    from flows.serve import serve_deployments

    serve_deployments(config, limit=limit)


def schedule_command(
    now: bool = typer.Option(False, "--now", help="Also run ingest once right away."),
    misfire_grace: int = typer.Option(
        600, "--misfire-grace", min=1, help="Seconds a late run may still start; later = skipped."
    ),
) -> None:
    """Run the ingest and digest schedules in this process, no Prefect server (Ctrl-C stops)."""
    prefect_env_defaults()
    log_service_progress()
    config = _config()
    from flows.scheduler import build_scheduler, run_until_stopped
    from flows.serve import scheduled_jobs

    jobs = scheduled_jobs(config, ingest_now=now)
    scheduler = build_scheduler(jobs, misfire_grace_seconds=misfire_grace)

    def _announce(started: object) -> None:
        for job in scheduler.get_jobs():
            console.print(f"{job.id}: next run {job.next_run_time:%Y-%m-%d %H:%M %Z}")
        console.print("scheduler running; Ctrl-C (SIGINT) or SIGTERM stops it cleanly")

    run_until_stopped(scheduler, on_start=_announce)


def _day(value: str, name: str) -> date:
    return parse_day(value, name)


def backfill_command(
    start: str = typer.Argument(..., help="First day, YYYY-MM-DD."),
    end: str = typer.Argument(..., help="Last day, YYYY-MM-DD (inclusive)."),
    source: list[str] = typer.Option(
        [], "--source", "-s", help="An archive or sitemap source (repeatable); default: all."
    ),
    refetch: bool = typer.Option(
        False, "--refetch", help="Walk finished days again and re-fetch known articles."
    ),
) -> None:
    """Fetch past days from archive pages and sitemaps (resumable), on a local Prefect API."""
    prefect_env_defaults()
    first, last = _day(start, "START"), _day(end, "END")
    config = _config()
    from pipeline.backfill import BackfillParameterError, backfill_source_names, plan_backfill

    try:  # the flow checks again; this answers at once, before Prefect starts
        plan_backfill(
            first,
            last,
            source,
            refetch,
            backfill_source_names(config.sources),
            config.schedule.backfill_max_days,
        )
    except BackfillParameterError as exc:
        raise fail(str(exc), EXIT_NOTHING_RAN) from exc
    from cli.prefect_server import guard_ephemeral_server
    from flows.backfill_flow import backfill

    with signals_unwind() as received:
        try:
            guard_ephemeral_server()
            state = backfill(
                start=first, end=last, sources=source, refetch=refetch, return_state=True
            )
        except KeyboardInterrupt:
            signum = received[0] if received else signal.SIGINT
            err_console.print(
                f"interrupted by {signal.Signals(signum).name}: backfill {first}..{last} "
                "stopped; finished days are kept and the next backfill resumes",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(128 + signum) from None
    if not state.is_completed():
        message = f"backfill {(state.name or 'failed').lower()}: {state.message or ''}"
        raise fail(message.strip(), EXIT_NOTHING_RAN)
    summary = cast(dict[str, Any], state.result())
    console.print(
        f"backfill {first}..{last}: {summary['days_done']} day(s) walked, "
        f"{summary['days_skipped']} already done, {summary['new']} new article(s), "
        f"{summary['days_failed']} day(s) failed"
    )
    if summary["days_failed"]:  # days already done or with nothing new count as ok
        days = ["ok"] * summary["days_done"] + ["failed"] * summary["days_failed"]
        raise typer.Exit(outcome_exit_code(days))


def run_command(
    as_json: bool = typer.Option(
        False, "--json", help="Print the seed, ingest and digest summaries as one JSON object."
    ),
) -> None:
    """The main job: the seed, ingest and digest flows (Prefect, local ephemeral API).

    Prints the counts and, last, the digest's path. Offline the ingest still finishes quickly
    and reports the sources unreachable.
    """
    with open_engine(get_settings()):
        pass  # refuses an unmigrated database with the fix (`newsmon db upgrade`)
    run_pipeline(as_json)


def run_pipeline(as_json: bool = False) -> None:
    """``newsmon run``: the seed, ingest and digest flows on Prefect's ephemeral local API.

    Prints the seed and per-source counts and, last, the digest's Markdown path. Prefect's own
    log lines stay quiet (``PREFECT_LOGGING_LEVEL=WARNING`` unless set otherwise); offline, the
    unreachable sources are reported and the run still completes.
    """
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    prefect_env_defaults()
    _config()  # a broken sources file stops here with the reason
    from cli.prefect_server import guard_ephemeral_server
    from flows.digest_flow import digest
    from flows.ingest_flow import ingest
    from flows.seed_flow import seed

    guard_ephemeral_server()
    # The runs' own log lines (a failed source's warning, "Finished in state Partial") go to
    # the Prefect API for the UI; this terminal gets the summary below, which says the same.
    for run_logger in ("prefect.flow_runs", "prefect.task_runs"):
        logging.getLogger(run_logger).propagate = False

    seeded = seed(trigger="run")
    if not as_json:
        console.print(
            f"seed corpus: {seeded['files']} files, {seeded['new']} new, "
            f"{seeded['known']} known, {seeded['updated']} updated, {seeded['errors']} bad"
        )
    state = ingest(seeds=False, return_state=True)
    code = EXIT_NOTHING_RAN
    ingested: dict[str, Any] | None = None
    summary = _ingest_result(state)
    if summary is not None:
        rows = list(summary["sources"].values())
        ingested = ingest_json(summary["run_id"], summary["status"], summary["new"], rows)
        code = outcome_exit_code(row["status"] for row in rows)
        if not as_json:
            print_summary(f"ingest run {summary['run_id']}: {summary['status']}", rows)
    if ingested is None and not as_json:
        console.print(f"[red]ingest {(state.name or 'failed').lower()}:[/] {state.message}")
    built = digest(send_email=False)
    if as_json:
        echo_json({"seed": seeded, "ingest": ingested, "digest": built})
    else:
        console.print(f"digest: {built['stories']} stories, {built['articles']} articles")
        typer.echo(str(built["markdown_path"]))
    if code != EXIT_OK:
        raise typer.Exit(code)


def _ingest_result(state: Any) -> dict[str, Any] | None:
    """The ingest flow's summary, also from a run that ended ``Partial`` (sources failed)."""
    try:
        result = state.result(raise_on_failure=False)
    except Exception:  # the flow itself crashed: no summary to show
        return None
    return result if isinstance(result, dict) else None
