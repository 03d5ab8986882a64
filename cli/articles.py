"""`newsmon articles` and `newsmon search`: read what is stored."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.table import Table

from cli.common import EXIT_NOTHING_RAN, console, fail, iso_utc, open_engine
from cli.errors import OperatorTyper
from cli.tables import Col, print_rows
from cli.times import local_minute
from composition.settings import get_settings
from processing.urls import outlet_name
from storage.articles import get_article, list_articles
from storage.db import session_scope
from storage.models import Article
from storage.search import SearchQueryError, search_articles

articles_app = OperatorTyper(help="List and show stored articles.", no_args_is_help=False)


def article_summary(article: Article) -> dict[str, Any]:
    """The JSON form of an article used by `newsmon articles --json`."""
    return {
        "id": article.id,
        "url": article.url,
        "canonical_url": article.canonical_url,
        "title": article.title,
        "published_at": iso_utc(article.published_at),
        "date_precision": article.date_precision,
        "date_source": article.date_source,
        "origin": article.origin,
        "text_source": article.text_source,
        "author": article.author,
        "language": article.language,
        "n_chars": article.n_chars,
        "version": article.version,
        "first_seen_at": iso_utc(article.first_seen_at),
        "duplicate_of": article.duplicate_of,
        "story_id": article.story_id,
        "relevant": article.relevant,
        "relevance_score": article.relevance_score,
        "topics": [
            {"slug": t.topic, "label": t.label, "score": t.score, "evidence": t.evidence}
            for t in sorted(article.tags, key=lambda t: (-t.score, t.topic))
        ],
    }


@articles_app.callback(invoke_without_command=True)
def articles(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
    limit: int = typer.Option(200, help="At most this many articles."),
) -> None:
    """List stored articles (a table, or JSON lines with --json)."""
    if ctx.invoked_subcommand is not None:
        return
    with open_engine() as engine, session_scope(engine) as session:
        found = list_articles(session, limit=limit, newest_first=True)
        rows = [article_summary(a) for a in found]
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    zone = ZoneInfo(get_settings().timezone)
    columns = [
        Col("id", right=True),
        Col("published"),
        Col("outlet"),
        Col("relevant"),
        Col("title", wrap=True),
    ]
    cells = [
        [
            str(row["id"]),
            published_cell(row, zone),
            escape(outlet_name(row["url"], None, row["origin"])),
            relevance_cell(row),
            escape(row["title"]),
        ]
        for row in rows
    ]
    print_rows(console, f"{len(rows)} articles, newest first (times {zone.key})", columns, cells)


def published_cell(row: dict[str, Any], zone: ZoneInfo) -> str:
    """The publication time as precise as known: local minute, month, or ``unknown``."""
    value = row["published_at"]
    if not value:
        return "unknown"
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if row["date_precision"] == "month":
        return when.strftime("%Y-%m")
    if row["date_precision"] != "day":
        return "unknown"
    return local_minute(when, zone) or "unknown"


def relevance_cell(row: dict[str, Any]) -> str:
    """``yes 4.20`` / ``no 0.30`` / ``-`` (not tagged yet)."""
    if row["relevant"] is None:
        return "-"
    score = row["relevance_score"]
    word = "yes" if row["relevant"] else "no"
    return f"{word} {score:.2f}" if score is not None else word


@articles_app.command("show")
def show(
    article_id: int = typer.Argument(..., help="The article id (see `newsmon articles`)."),
    as_json: bool = typer.Option(False, "--json", help="Print the article as one JSON object."),
) -> None:
    """Print one article: metadata and full text."""
    with open_engine() as engine, session_scope(engine) as session:
        article = get_article(session, article_id)
        if article is None:
            raise fail(f"no article with id {article_id}")
        data = article_summary(article) | {"text": article.text}
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    zone = ZoneInfo(get_settings().timezone)
    shown = data | {"published_at": published_cell(data, zone)}
    console.print(f"[bold]{escape(data['title'])}[/]")
    for key in ("id", "url", "published_at", "date_precision", "author", "origin", "n_chars"):
        value = shown[key]
        console.print(f"[dim]{key}:[/] {escape('-' if value is None else str(value))}")
    _print_evidence(data)
    console.print()
    console.print(data["text"], markup=False, highlight=False)


def _print_evidence(data: dict[str, Any]) -> None:
    """The stored tags with the spans that decided each, then why the current taxonomy tags
    the text as it does (for a rejected article: the rule that failed)."""
    from composition.settings import get_settings
    from pipeline.processor import load_tagger
    from processing.explain import explain, explanation_lines, primary_line
    from processing.primary import choose_primary

    console.print(f"[dim]relevant:[/] {data['relevant']} (score {data['relevance_score']})")
    for topic in data["topics"]:
        words = ", ".join(dict.fromkeys(str(e.get("text", "")) for e in topic["evidence"]))
        console.print(f"[dim]topic:[/] {topic['slug']} {topic['score']:.2f}: {escape(words)}")
    settings = get_settings()
    if not settings.topics_file.is_file():
        return
    tagger = load_tagger(settings.topics_file.resolve(), settings.seeds_dir.resolve())
    relevance = tagger.taxonomy.relevance_topic
    stored = {t["slug"]: t["score"] for t in data["topics"] if t["slug"] != relevance}
    console.print(f"[dim]primary (stored strengths):[/] {choose_primary(stored) or 'none'}")
    document = f"{data['title']}\n{data['text']}"
    console.print(f"[bold]why[/] (current taxonomy {escape(str(settings.topics_file))}):")
    console.print(primary_line(tagger.tag(document)), markup=False, highlight=False)
    for line in explanation_lines(explain(tagger, document)):
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def search(
    query: str = typer.Argument(..., help="Words to look for (all must occur)."),
    limit: int = typer.Option(20, help="At most this many results."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """Full-text search over stored articles, best match first."""
    with open_engine() as engine, session_scope(engine) as session:
        try:
            hits = search_articles(session, query, limit=limit)
        except SearchQueryError as exc:  # a query that cannot run: a usage error
            raise fail(str(exc), EXIT_NOTHING_RAN) from exc
    if as_json:
        for hit in hits:
            typer.echo(
                json.dumps(
                    {
                        "id": hit.article_id,
                        "title": hit.title,
                        "rank": hit.rank,
                        "snippet": hit.snippet,
                    },
                    ensure_ascii=False,
                )
            )
        return
    if not hits:
        console.print(f"no articles match {query!r}")
        return
    table = Table(title=f"{len(hits)} matches for {query!r}")
    for column in ("id", "rank", "title", "snippet"):
        table.add_column(column)
    for hit in hits:
        table.add_row(
            str(hit.article_id), f"{hit.rank:.3f}", escape(hit.title), escape(hit.snippet)
        )
    console.print(table)
