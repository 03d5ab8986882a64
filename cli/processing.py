"""`newsmon tag FILE...` and `newsmon stories`: the processing stages from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from cli.common import console, fail, iso_utc, open_engine
from composition.settings import get_settings
from processing.errors import TaxonomyError
from storage.db import session_scope
from storage.stories import list_stories, member_ids


def tag(
    files: list[Path] = typer.Argument(..., help="Plain UTF-8 text files; line 1 may be a title."),
) -> None:
    """Tag text files with the Belarus–Russia topics: one JSON line per file, with evidence.

    Evidence offsets are character offsets into the file's text. A file that cannot be read is
    reported on its own line with an "error" and the exit code is 1; the others are still tagged.
    """
    settings = get_settings()
    if not settings.topics_file.is_file():
        raise fail(f"topics file not found: {settings.topics_file}")
    try:
        from pipeline.processor import load_tagger  # heavy (datasketch): only when tagging

        tagger = load_tagger(settings.topics_file.resolve(), settings.seeds_dir.resolve())
    except TaxonomyError as exc:
        raise fail(f"{settings.topics_file}: {exc}") from exc
    failed = False
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            failed = True
            typer.echo(json.dumps({"file": str(path), "error": str(exc)}, ensure_ascii=False))
            continue
        result = tagger.tag(text)
        typer.echo(json.dumps({"file": str(path), **result.as_json()}, ensure_ascii=False))
    if failed:
        raise typer.Exit(1)


def stories(
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
    limit: int = typer.Option(100, help="At most this many stories (latest activity first)."),
) -> None:
    """List stories: articles about the same event across outlets, with member article ids."""
    with open_engine() as engine, session_scope(engine) as session:
        found = list_stories(session, limit=limit)
        members = member_ids(session, [s.id for s in found])
        rows: list[dict[str, Any]] = [
            {
                "id": story.id,
                "label": story.label,
                "representative_id": story.representative_id,
                "first_published_at": iso_utc(story.first_published_at),
                "last_published_at": iso_utc(story.last_published_at),
                "article_ids": members.get(story.id, []),
            }
            for story in found
        ]
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    table = Table(title=f"{len(rows)} stories")
    for column in ("id", "first published", "articles", "label"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["id"]),
            (row["first_published_at"] or "")[:10],
            ",".join(str(i) for i in row["article_ids"]),
            escape((row["label"] or "")[:80]),
        )
    console.print(table)
