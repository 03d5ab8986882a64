"""The ``newsmon`` command line: every operator action in one place.

Each command's module is imported when that command runs (:mod:`cli.lazy`), so a read
command starts without the ingest, digest and Prefect code.
"""

from __future__ import annotations

from importlib.metadata import version as package_version

import typer

from cli.common import configure_logging
from cli.errors import OperatorTyper
from cli.lazy import LazyGroup


class NewsmonCommands(LazyGroup):
    """newsmon's commands, in the order ``newsmon --help`` lists them."""

    lazy_commands = {  # noqa: RUF012 (read once, when the group is built)
        "db": "cli.db:db_app",
        "articles": "cli.articles:articles_app",
        "search": "cli.articles:search",
        "digest": "cli.digest:digest_command",
        "ingest": "cli.ingest:ingest_command",
        "sources": "cli.sources:sources_app",
        "serve": "cli.orchestration:serve_command",
        "schedule": "cli.orchestration:schedule_command",
        "backfill": "cli.orchestration:backfill_command",
        "tag": "cli.processing:tag",
        "stories": "cli.processing:stories",
        "feed": "cli.feeds:feed",
        "alerts": "cli.feeds:alerts",
        "rules": "cli.rules:rules_app",
        "retag": "cli.rules:retag_command",
        "seed": "cli.seed:seed_command",
        "run": "cli.orchestration:run_command",
        "demo": "cli.demo:demo",
        "trends": "cli.trends:trends",
    }


app = OperatorTyper(
    name="newsmon",
    help="Monitor Belarus–Russia relations in Dutch-language news.",
    cls=NewsmonCommands,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"newsmon {package_version('newsmon')}")
        raise typer.Exit()


@app.callback()
def _main(
    verbose: int = typer.Option(
        0, "--verbose", "-v", count=True, help="-v: log every fetch; -vv: debug detail."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version."
    ),
) -> None:
    configure_logging(verbose)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
