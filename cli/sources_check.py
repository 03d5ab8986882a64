"""`newsmon sources check [NAME]... [--json]`: probe sources live before enabling them.

The probe itself is :mod:`pipeline.probe` (polite client, stores nothing, needs no database).
Exit code 1 when any probed source has a problem, so a script or CI step can gate on it.
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape

from cli.common import EXIT_NOTHING_RAN, console, fail
from cli.ingest import load_config
from cli.tables import Col, print_rows
from cli.times import local_minute
from composition.settings import get_settings
from pipeline.probe_results import SampleProbe, SourceProbe
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
    except UnknownSourceError as exc:  # a usage error: exit 2, as everywhere
        raise fail(str(exc), EXIT_NOTHING_RAN) from exc
    if not chosen:
        raise fail("no sources configured", EXIT_NOTHING_RAN)
    from pipeline.probe import probe_sources  # trafilatura: only when probing

    probes = probe_sources(chosen, config.fetch)
    if as_json:
        for probe in probes:
            typer.echo(json.dumps(probe.as_json(), ensure_ascii=False))
    else:
        print_probes(probes)
    if not all(probe.ok for probe in probes):
        raise typer.Exit(1)


def sample_state(sample: SampleProbe | None) -> str:
    """The sample article's HTTP status, or its outcome when there was no answer."""
    if sample is None:
        return "-"
    return str(sample.status) if sample.status else str(sample.outcome)


def print_probes(probes: list[SourceProbe]) -> None:
    """A table of the probes (a block per source when narrow), then every problem, then the
    count of sources that passed."""
    zone = ZoneInfo(get_settings().timezone)
    columns = [
        Col("source"),
        Col("on"),
        Col("robots"),
        Col("listing"),
        Col("items", right=True),
        Col("newest"),
        Col("sample"),
        Col("chars", right=True),
        Col("date"),
        Col("author", wrap=True),
        Col("wall"),
        Col("text"),
        Col("verdict"),
    ]
    rows = []
    for probe in probes:
        sample = probe.sample
        rows.append(
            [
                escape(probe.source),
                "yes" if probe.enabled else "no",
                escape(probe.robots),
                escape(str(probe.listing_status or probe.listing_outcome or "-")),
                str(probe.items),
                local_minute(probe.newest, zone) or "-",
                escape(
                    (str(sample.status) if sample.status else sample.outcome) if sample else "-"
                ),
                str(sample.chars) if sample else "-",
                (local_minute(sample.published, zone) or "-") if sample else "-",
                escape(sample.author or "-") if sample else "-",
                escape(sample.wall or "-") if sample else "-",
                escape(sample.text_source or "none") if sample else "-",
                "[green]ok[/]" if probe.ok else "[red]problem[/]",
            ]
        )
    print_rows(console, f"sources check (times {zone.key})", columns, rows)
    for probe in probes:
        for problem in probe.problems:
            console.print(f"[yellow]{escape(probe.source)}[/] {escape(problem)}", highlight=False)
    passed = sum(probe.ok for probe in probes)
    console.print(f"{passed} of {len(probes)} sources ok")
