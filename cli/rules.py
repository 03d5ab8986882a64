"""`newsmon rules test` and `newsmon retag`: backtest a taxonomy on the stored articles, apply it.

`rules test` also explains the first changed articles (``--why``): per topic the rules that
held with their words, and for a rejected article the rule that failed.

A broken topics file is refused before anything is read or written: one error line naming the
file, the topic, the rule and what is wrong, exit code 2.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.common import console, err_console, open_engine
from cli.dates import parse_day
from cli.errors import OperatorTyper
from composition.settings import Settings, get_settings
from digests.select import day_window
from processing.errors import TaxonomyError

if TYPE_CHECKING:  # the pipeline loads numpy and datasketch: only when a command runs
    from sqlalchemy import Engine

    from pipeline.retag import Backtest, RetagReport
    from processing.tag_changes import TagChange
    from processing.tagging import Tagger

rules_app = OperatorTyper(help="Try a taxonomy on the stored articles.", no_args_is_help=True)

TOPICS_OPTION = typer.Option(
    None, "--topics", help="The taxonomy to apply (default: NEWSMON_TOPICS_FILE)."
)
SINCE_OPTION = typer.Option(
    None,
    "--since",
    help="Only articles published on or after this day (YYYY-MM-DD, in NEWSMON_TIMEZONE); "
    "undated ones first seen since then.",
)


def refuse(message: str) -> typer.Exit:
    """One error line (never wrapped: it names the file, topic and rule) and exit code 2."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    return typer.Exit(2)


def build_tagger(settings: Settings, topics: Path | None) -> Tagger:
    from pipeline.processor import load_tagger

    """The tagger of ``topics`` (or the configured file), or exit 2 with a clear message."""
    path = topics or settings.topics_file
    if not path.is_file():
        raise refuse(f"topics file not found: {path}")
    try:
        return load_tagger(path.resolve(), settings.seeds_dir.resolve())
    except TaxonomyError as exc:
        raise refuse(f"{path}: {exc}") from exc


def since_start(settings: Settings, since: str | None) -> datetime | None:
    """The start of day ``since`` in the configured zone (None: every article)."""
    if since is None:
        return None
    return day_window(parse_day(since, "--since"), ZoneInfo(settings.timezone))[0]


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


@rules_app.command("test")
def rules_test(
    topics: Path | None = TOPICS_OPTION,
    since: str | None = SINCE_OPTION,
    as_json: bool = typer.Option(
        False, "--json", help="One line per changed article, then a summary line."
    ),
    limit: int = typer.Option(50, help="Changed articles listed in the table (--json: all)."),
    why: int = typer.Option(
        10,
        "--why",
        help="Explain the first N changed articles: per topic the rules that held with their "
        "words and, for a rejected article, the rule that failed (0: none).",
    ),
) -> None:
    """Backtest a taxonomy: what it would change in the stored articles' tags (writes nothing)."""
    from pipeline.retag import backtest, default_workers

    settings = get_settings()
    tagger = build_tagger(settings, topics)
    start = since_start(settings, since)
    changes: list[TagChange] = []

    def on_change(change: TagChange) -> None:
        if as_json:
            typer.echo(json.dumps(change.as_json(), ensure_ascii=False))
        elif len(changes) < limit:
            changes.append(change)

    with open_engine(settings) as engine, _progress() as progress:
        task = progress.add_task("backtest", total=None)
        result = backtest(
            engine,
            tagger,
            start,
            on_change=on_change,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
            workers=default_workers(),
        )
        explained = [] if as_json else _explanations(engine, tagger, changes[:why])
    if as_json:
        typer.echo(json.dumps({"summary": result.summary()}, ensure_ascii=False))
        return
    _print_backtest(result, changes, tagger)
    for change, lines in zip(changes, explained, strict=False):
        console.print(f"[bold]why[/] article {change.article_id}: {escape(change.title[:70])}")
        for line in lines:
            console.print(line, markup=False, highlight=False, soft_wrap=True)


def _explanations(engine: Engine, tagger: Tagger, changes: list[TagChange]) -> list[list[str]]:
    """What the new taxonomy makes of each changed article, topic by topic, rule by rule."""
    from processing.explain import explain, explanation_lines, primary_line
    from storage.articles import get_article
    from storage.db import session_scope

    explained: list[list[str]] = []
    with session_scope(engine) as session:
        for change in changes:
            article = get_article(session, change.article_id)
            document = f"{article.title}\n{article.text}" if article is not None else ""
            lines = [primary_line(tagger.tag(document))]
            explained.append(lines + explanation_lines(explain(tagger, document)))
    return explained


def _print_backtest(result: Backtest, changes: list[TagChange], tagger: Tagger) -> None:
    topics = Table(title=f"topics over {result.articles} articles")
    for column in ("topic", "before", "after"):
        topics.add_column(column, justify="left" if column == "topic" else "right")
    topics.add_row("relevant", str(result.relevant_before), str(result.relevant_after))
    for topic in tagger.taxonomy.topics:
        before, after = result.topics.before[topic.slug], result.topics.after[topic.slug]
        mark = "" if before == after else " *"
        topics.add_row(topic.slug + mark, str(before), str(after))
    console.print(topics)

    listed = Table(title=f"{result.changed} articles would change")
    for column in ("id", "title", "relevant", "score", "topics", "evidence"):
        listed.add_column(column)
    for change in changes:
        moved = [f"+{t}" for t in change.topics_added] + [f"-{t}" for t in change.topics_removed]
        listed.add_row(
            str(change.article_id),
            escape(change.title[:60]),
            f"{_yes(change.relevant_before)} → {_yes(change.relevant_after)}",
            f"{_num(change.score_before)} → {_num(change.score_after)}",
            escape(" ".join(moved)),
            escape("; ".join(change.evidence)[:80]),
        )
    console.print(listed)
    if result.changed > len(changes):
        console.print(f"… and {result.changed - len(changes)} more (--json lists them all)")

    rules = Table(title="rule hits")
    for column in ("topic", "rule", "hits", "articles"):
        rules.add_column(column, justify="right" if column in {"hits", "articles"} else "left")
    for row in result.rules:
        articles = str(row["articles"]) if row["articles"] else "[yellow]never[/]"
        rules.add_row(row["topic"], escape(row["rule"][:70]), str(row["hits"]), articles)
    console.print(rules)
    never = sum(1 for row in result.rules if not row["articles"])
    console.print(
        f"{result.changed} of {result.articles} articles would change; {never} rule(s) never "
        "fire. Apply with `newsmon retag`."
    )


def _yes(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def retag_command(topics: Path | None = TOPICS_OPTION, since: str | None = SINCE_OPTION) -> None:
    """Re-tag the stored articles with a taxonomy: tags, relevance, evidence and stories.

    Safe to repeat and to restart after a kill: work is committed in chunks and unchanged
    articles are not written.
    """
    from pipeline.retag import default_workers, retag

    settings = get_settings()
    tagger = build_tagger(settings, topics)
    start = since_start(settings, since)
    with open_engine(settings) as engine, _progress() as progress:
        task = progress.add_task("retag", total=None)
        report = retag(
            engine,
            tagger,
            start,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
            workers=default_workers(),
        )
    _print_report(report)


def _print_report(report: RetagReport) -> None:
    table = Table(title="retag")
    names = (
        "articles",
        "changed",
        "became relevant",
        "stopped",
        "stories created",
        "joined",
        "left",
        "deleted",
    )
    for name in names:
        table.add_column(name, justify="right")
    table.add_row(
        *(
            str(v)
            for v in (
                report.articles,
                report.changed,
                report.became_relevant,
                report.stopped_relevant,
                report.stories_created,
                report.stories_joined,
                report.stories_left,
                report.stories_deleted,
            )
        )
    )
    console.print(table)
