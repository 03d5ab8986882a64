"""`newsmon sources check [NAME]... [--json]`: probe sources live before enabling them.

The probe itself is :mod:`pipeline.probe` (polite client, stores nothing, needs no database).
Exit code 1 when any probed source has a problem, so a script or CI step can gate on it.
"""

from __future__ import annotations

import json

import typer
from rich.markup import escape
from rich.table import Table

from cli.common import console, fail, iso_utc
from cli.ingest import load_config
from composition.settings import get_settings
from pipeline.probe_results import SourceProbe
from scrapers.errors import UnknownSourceError
from scrapers.sources import select_sources


def sources_check(
    names: list[str] = typer.Argument(
        None, metavar="[NAME]...", help="Sources to probe; default: every configured source."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line per source."),
) -> None:
    """Probe sources live: robots.txt, the listing, one sample article (walls detected).

    Disabled sources are probed too: this is how a source is checked before `enabled = true`.
    Nothing is stored. Exits 1 if any source has a problem.
    """
    config = load_config(get_settings())
    try:
        chosen = select_sources(config, names or config.names, include_disabled=True)
    except UnknownSourceError as exc:
        raise fail(str(exc)) from exc
    if not chosen:
        raise fail("no sources configured")
    from pipeline.probe import probe_sources  # trafilatura: only when probing

    probes = probe_sources(chosen, config.fetch)
    if as_json:
        for probe in probes:
            typer.echo(json.dumps(probe.as_json(), ensure_ascii=False))
    else:
        print_probes(probes)
    if not all(probe.ok for probe in probes):
        raise typer.Exit(1)


def print_probes(probes: list[SourceProbe]) -> None:
    """A table of the probes, then every problem, then the count of sources that passed."""
    table = Table(title="sources check")
    table.add_column("source", overflow="fold")
    for column in ("on", "robots", "listing", "items", "newest", "sample", "chars"):
        table.add_column(column, justify="right" if column in ("items", "chars") else "left")
    for column in ("date", "author", "wall", "text"):
        table.add_column(column)
    table.add_column("verdict", no_wrap=True)
    for probe in probes:
        sample = probe.sample
        table.add_row(
            probe.source,
            "yes" if probe.enabled else "no",
            probe.robots,
            str(probe.listing_status or probe.listing_outcome or "-"),
            str(probe.items),
            iso_utc(probe.newest) or "-",
            (str(sample.status) if sample.status else sample.outcome) if sample else "-",
            str(sample.chars) if sample else "-",
            (iso_utc(sample.published) or "-") if sample else "-",
            escape(sample.author or "-") if sample else "-",
            (sample.wall or "-") if sample else "-",
            (sample.text_source or "none") if sample else "-",
            "[green]ok[/]" if probe.ok else "[red]problem[/]",
        )
    console.print(table)
    for probe in probes:
        for problem in probe.problems:
            console.print(f"[yellow]{escape(probe.source)}[/] {escape(problem)}")
    passed = sum(probe.ok for probe in probes)
    console.print(f"{passed} of {len(probes)} sources ok")
