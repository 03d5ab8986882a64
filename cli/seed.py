"""``newsmon seed``: store the seed corpus."""

from __future__ import annotations

from rich.table import Table

from cli.common import console, fail, open_engine
from composition.settings import get_settings, make_processor
from scrapers.errors import SeedFileError
from storage.articles import count_articles
from storage.db import session_scope


def seed_command() -> None:
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
