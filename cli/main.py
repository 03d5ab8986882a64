"""The ``newsmon`` command line: every operator action in one place."""

from __future__ import annotations

import typer
from rich.table import Table

from cli.articles import articles_app, search
from cli.common import configure_logging, console, fail, open_engine
from cli.digest import digest
from cli.errors import OperatorTyper, redact
from cli.feeds import alerts, feed
from cli.ingest import ingest, sources_app
from cli.orchestration import (
    backfill_command,
    run_pipeline,
    schedule_command,
    serve_command,
)
from cli.processing import stories, tag
from cli.rules import retag_command, rules_app
from cli.settings import get_settings, make_processor
from cli.sources_check import sources_check
from scrapers.errors import SeedFileError
from storage.articles import count_articles
from storage.db import session_scope
from storage.migrate import upgrade

app = OperatorTyper(
    name="newsmon",
    help="Monitor Belarus–Russia relations in Dutch-language news.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = OperatorTyper(help="Database schema management.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(articles_app, name="articles")
app.command("search")(search)
app.command("digest")(digest)
app.command("ingest")(ingest)
app.add_typer(sources_app, name="sources")
sources_app.command("check")(sources_check)
app.command("serve")(serve_command)
app.command("schedule")(schedule_command)
app.command("backfill")(backfill_command)
app.command("tag")(tag)
app.command("stories")(stories)
app.command("feed")(feed)
app.command("alerts")(alerts)
app.add_typer(rules_app, name="rules")
app.command("retag")(retag_command)


@app.callback()
def _main(
    verbose: int = typer.Option(
        0, "--verbose", "-v", count=True, help="-v: log every fetch; -vv: debug detail."
    ),
) -> None:
    configure_logging(verbose)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version (safe to repeat)."""
    url = get_settings().resolved_database_url
    upgrade(url)
    console.print(f"database is up to date: {redact(url)}")


@app.command("seed")
def seed() -> None:
    """Store the seed corpus (idempotent: running it again adds nothing)."""
    settings = get_settings()
    with open_engine(settings) as engine:
        try:
            from pipeline.seed import store_seeds

            report = store_seeds(engine, settings.seeds_dir, processor=make_processor(settings))
        except SeedFileError as exc:
            raise fail(str(exc)) from exc
        with session_scope(engine) as session:
            total = count_articles(session)
    table = Table(title="seed corpus")
    for column in ("files", "new", "known", "updated", "errors", "articles stored"):
        table.add_column(column, justify="right")
    table.add_row(
        str(report.files),
        str(report.new),
        str(report.known),
        str(report.updated),
        str(len(report.errors)),
        str(total),
    )
    console.print(table)
    for error in report.errors:
        console.print(f"[yellow]bad seed file:[/] {error}")


@app.command("run")
def run() -> None:
    """The main job: the seed, ingest and digest flows (Prefect, local ephemeral API).

    Prints the counts and, last, the digest's path. Offline the ingest still finishes quickly
    and reports the sources unreachable.
    """
    with open_engine(get_settings()):
        pass  # refuses an unmigrated database with the fix (`newsmon db upgrade`)
    run_pipeline()


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
