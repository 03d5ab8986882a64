"""`newsmon trends [--days N] [--json]`: how much the beat was covered per day, by subtopic and
by outlet, and which stories are rising (the numbers behind the digest's chart)."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape

from cli.common import EXIT_NOTHING_RAN, console, fail, open_engine
from cli.tables import Col, print_rows
from composition.settings import get_settings


def trends(
    days: int = typer.Option(30, "--days", min=1, max=366, help="Local days, ending today."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object instead of tables."),
) -> None:
    """Articles of the beat per day (by subtopic, by outlet) and the rising stories."""
    from composition.digest_setup import DigestSettingsError, relevance_topic
    from digests.select import coverage_until, today
    from storage.db import session_scope

    settings = get_settings()
    zone = ZoneInfo(settings.timezone)
    try:
        beat = relevance_topic(settings)
    except DigestSettingsError as exc:
        raise fail(str(exc), EXIT_NOTHING_RAN) from exc
    with open_engine(settings) as engine, session_scope(engine) as session:
        coverage = coverage_until(session, today(zone), zone, days, beat)
    if as_json:
        typer.echo(json.dumps(coverage.as_json(), ensure_ascii=False))
        return
    rows = [
        [day.isoformat(), str(total), escape(_top(coverage.by_topic, i))]
        for i, (day, total) in enumerate(zip(coverage.days, coverage.total, strict=True))
        if total
    ]
    columns = [Col("day"), Col("articles", right=True), Col("most covered", wrap=True)]
    print_rows(console, f"the beat's articles per day, last {days} days", columns, rows)
    if not rows:
        console.print("no relevant articles in this period")
    for title, series in (("by subtopic", coverage.by_topic), ("by outlet", coverage.by_outlet)):
        totals = [[escape(name), str(sum(counts))] for name, counts in series.items()]
        if totals:
            print_rows(console, title, [Col("name"), Col("articles", right=True)], totals)
    rising = [
        [
            str(r.story_id),
            f"{r.outlets_before}→{r.outlets_last_24h}",
            f"{r.articles_before}→{r.articles_last_24h}",
            escape(r.label),
        ]
        for r in coverage.rising
    ]
    if rising:
        columns = [Col("story"), Col("outlets"), Col("articles"), Col("label", wrap=True)]
        print_rows(console, "rising: the last 24 h against the 24 h before", columns, rising)
    else:
        console.print("no rising stories in the last 24 hours")


def _top(series: dict[str, list[int]], day: int) -> str:
    """The subtopic with the most articles that day, with its count."""
    name = max(series, key=lambda n: series[n][day])
    return f"{name} ({series[name][day]})"
