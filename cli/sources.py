"""``newsmon sources``: the configured sources' health (``list``) and a live ``check``."""

from __future__ import annotations

import logging

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import DBAPIError

from cli.common import console, iso_utc, open_engine
from cli.errors import OperatorTyper
from cli.ingest import STATUS_STYLE, load_config
from cli.sources_check import sources_check
from composition.settings import get_settings
from storage.db import session_scope
from storage.runs import close_abandoned_runs
from storage.source_standing import source_standings

log = logging.getLogger(__name__)

sources_app = OperatorTyper(
    help="The configured sources: their health (the default, `list`) and a live `check`.",
    invoke_without_command=True,
)


@sources_app.callback(invoke_without_command=True)
def sources(ctx: typer.Context) -> None:
    """The configured sources. Without a subcommand: their health table (as `sources list`)."""
    if ctx.invoked_subcommand is None:
        sources_list()


@sources_app.command("list")
def sources_list() -> None:
    """Each configured source's health: status, last success, last error, last run's counts."""
    settings = get_settings()
    config = load_config(settings)
    with open_engine(settings) as engine:
        try:  # runs left by dead processes show as abandoned, not as running
            with session_scope(engine) as session:
                close_abandoned_runs(session)
        except DBAPIError:
            log.info("runs not reconciled: the database is read-only here")
        with session_scope(engine) as session:
            health = source_standings(session)
        table = Table(title="sources")
        for column in ("source", "kind", "enabled", "status", "last success", "last error"):
            table.add_column(column)
        table.add_column("last run new/known/failed/no art.", justify="right")
        names = [s.name for s in config.sources] + sorted(set(health) - set(config.names))
        for name in names:
            configured = next((s for s in config.sources if s.name == name), None)
            row = health.get(name)
            status = row.source.status if row else "never"
            if status == "never" and row and row.last_run:  # polled, but never to the end
                status = row.last_run.status
            kind = configured.kind if configured else (row.source.kind if row else "")
            enabled = configured.enabled if configured else False
            last_error = ""
            if row and row.source.last_error:
                last_error = f"{iso_utc(row.source.last_error_at)} {row.source.last_error[:80]}"
            run = row.last_run if row else None
            counts = f"{run.new}/{run.known}/{run.failed}/{run.no_article}" if run else "-"
            table.add_row(
                name,
                kind,
                ("yes" if enabled else "no") if configured else "-",
                f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]",
                iso_utc(row.source.last_success_at) or "-" if row else "-",
                escape(last_error) or "-",
                counts,
            )
    console.print(table)


sources_app.command("check")(sources_check)
