"""``newsmon sources``: the configured sources' health (``list``) and a live ``check``."""

from __future__ import annotations

import json
import logging
from typing import Any
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from sqlalchemy.exc import DBAPIError

from cli.common import console, err_console, open_engine
from cli.errors import OperatorTyper
from cli.ingest import load_config
from cli.ingest_summary import styled_status
from cli.sources_check import sources_check
from cli.tables import Col, print_rows
from cli.times import local_iso, minute_of
from composition.settings import get_settings
from scrapers.sources import SourceConfig, SourcesConfig
from storage.db import session_scope
from storage.runs import close_abandoned_runs
from storage.source_standing import source_standings
from storage.sources import reenable_source

log = logging.getLogger(__name__)

sources_app = OperatorTyper(
    help="The configured sources: their health (the default, `list`) and a live `check`.",
    invoke_without_command=True,
)


JSON_HELP = "One JSON object per line per source instead of the table."


@sources_app.callback(invoke_without_command=True)
def sources(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help=JSON_HELP)
) -> None:
    """The configured sources. Without a subcommand: their health table (as `sources list`)."""
    if ctx.invoked_subcommand is None:
        sources_list(as_json)


@sources_app.command("list")
def sources_list(as_json: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """Each configured source's health: status, last success, last error, last run's counts."""
    settings = get_settings()
    config = load_config(settings)
    zone = ZoneInfo(settings.timezone)
    with open_engine(settings) as engine:
        try:  # runs left by dead processes show as abandoned, not as running
            with session_scope(engine) as session:
                close_abandoned_runs(session)
        except DBAPIError:
            log.info("runs not reconciled: the database is read-only here")
        with session_scope(engine) as session:
            health = source_standings(session)
            names = [s.name for s in config.sources] + sorted(set(health) - set(config.names))
            entries = [health_entry(name, config, health.get(name), zone) for name in names]
    if as_json:
        for entry in entries:
            typer.echo(json.dumps(entry, ensure_ascii=False))
        return
    print_health(entries, zone)


def health_entry(name: str, config: SourcesConfig, row: Any, zone: ZoneInfo) -> dict[str, Any]:
    """One source's health as plain data (the ``--json`` line; the table prints the same)."""
    configured = next((s for s in config.sources if s.name == name), None)
    status = row.source.status if row else "never"
    if status == "never" and row and row.last_run:  # polled, but never to the end
        status = row.last_run.status
    run = row.last_run if row else None
    return {
        "source": name,
        "kind": configured.kind if configured else (row.source.kind if row else None),
        "enabled": configured.enabled if configured else None,
        "status": status,
        "last_success": local_iso(row.source.last_success_at, zone) if row else None,
        "last_error_at": local_iso(row.source.last_error_at, zone) if row else None,
        "last_error": (row.source.last_error or None) if row else None,
        "moved_to": listing_moved_to(configured, row),
        "last_run": (
            {"new": run.new, "known": run.known, "failed": run.failed, "no_article": run.no_article}
            if run
            else None
        ),
    }


def listing_moved_to(configured: SourceConfig | None, row: Any) -> str | None:
    """Where the configured listing moved for good (301/308), while the configuration still
    names the URL that moved; a new URL in the configuration ends the move."""
    if configured is None or row is None or row.source.moved_from != configured.url:
        return None
    moved: str | None = row.source.moved_to
    return moved


def print_health(entries: list[dict[str, Any]], zone: ZoneInfo) -> None:
    """The health table (never cutting a name), then each source's last error on its own line."""
    columns = [
        Col("source"),
        Col("on"),
        Col("status"),
        Col("last success"),
        Col("new/known/failed/na", right=True),
    ]
    rows = []
    for e in entries:
        run = e["last_run"]
        rows.append(
            [
                escape(e["source"]),
                "-" if e["enabled"] is None else ("yes" if e["enabled"] else "no"),
                styled_status(e["status"]),
                minute_of(e["last_success"]),
                f"{run['new']}/{run['known']}/{run['failed']}/{run['no_article']}" if run else "-",
            ]
        )
    print_rows(console, f"sources (times {zone.key})", columns, rows)
    for e in entries:
        if e["moved_to"]:
            console.print(
                f"[cyan]{escape(e['source'])}[/] moved for good to {escape(e['moved_to'])}"
                " (polled there; the configuration still names the old URL)",
                highlight=False,
            )
        if e["last_error"]:
            when = minute_of(e["last_error_at"])
            console.print(
                f"[yellow]{escape(e['source'])}[/] last error {when}: {escape(e['last_error'])}",
                highlight=False,
            )


sources_app.command("check")(sources_check)


@sources_app.command("reenable")
def sources_reenable(name: str = typer.Argument(..., help="The source to poll again.")) -> None:
    """Poll a source again whose listing answered 410 Gone (status ``gone``)."""
    settings = get_settings()
    config = load_config(settings)
    if name not in config.names:
        known = ", ".join(config.names)
        err_console.print(
            f"[bold red]error:[/] no source {escape(name)!r} in the configuration ({known})",
            soft_wrap=True,
        )
        raise typer.Exit(2)
    with open_engine(settings) as engine, session_scope(engine) as session:
        changed = reenable_source(session, name)
    if changed:
        typer.echo(f"{name}: re-enabled; the next poll requests its listing again")
    else:
        typer.echo(f"{name}: not gone; nothing to do")
