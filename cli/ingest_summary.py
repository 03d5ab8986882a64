"""The summary of one ingest run, as ``newsmon ingest`` and ``newsmon run`` print it.

One layout for both. Source names are never cut: the table keeps the name column whole and
drops to one block per source when the terminal is too narrow for every column (piped output
is 80 columns). Failed sources come first, each followed by its one-line reason; a run of
thousands lists the first :data:`SUMMARY_ROWS` and counts the rest by status.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import typer
from rich.markup import escape

from cli.common import console
from cli.tables import Col, print_rows
from pipeline.run_state import COUNT_NAMES

HEADERS = {
    "discovered": "found",
    "new": "new",
    "known": "known",
    "not_modified": "304",
    "failed": "failed",
    "no_article": "no art.",
    "duplicates": "dup",
    "updated": "upd",
}
STATUS_STYLE = {
    "ok": "green",
    "failing": "yellow",
    "blocked": "red",
    "unreachable": "red",
    "gone": "red",
    "abandoned": "red",
    "interrupted": "yellow",
}
SUMMARY_ROWS = 20  # sources listed in the table; the rest are counted (--json keeps them all)


def styled_status(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, 'white')}]{escape(status)}[/]"


def print_summary(title: str, rows: list[dict[str, Any]], limit: int = SUMMARY_ROWS) -> None:
    """The run's table (or blocks, when too narrow), then each failed source's reason: the
    first ``limit`` sources (failed first), then how many more by status."""
    columns = [Col("source"), Col("status"), *(Col(HEADERS[n], right=True) for n in COUNT_NAMES)]
    shown, rest = rows[:limit], rows[limit:]
    cells = [
        [
            escape(row["source"]),
            styled_status(row["status"]),
            *(str(row[name]) for name in COUNT_NAMES),
        ]
        for row in shown
    ]
    print_rows(console, title, columns, cells)
    for row in shown:
        if row["first_error"] or row["status"] != "ok":
            reason = row["first_error"] or row["status"]
            more = f" (+{row['errors'] - 1} more)" if row["errors"] > 1 else ""
            console.print(
                f"[yellow]{escape(row['source'])}[/]: {escape(reason)}{more}", highlight=False
            )
    if rest:
        console.print(more_sources(rest), highlight=False)


def more_sources(rows: list[dict[str, Any]]) -> str:
    """``9,980 more sources: 9,975 unreachable, 5 ok (--json lists every source)``."""
    tally = Counter(str(row["status"]) for row in rows)
    by_status = ", ".join(f"{n:,} {status}" for status, n in tally.most_common())
    return f"{len(rows):,} more sources: {by_status} (--json lists every source)"


def ingest_json(
    run_id: int | None, status: str, new: int, rows: list[dict[str, Any]]
) -> dict[str, Any]:
    """The ``--json`` shape of an ingest summary (``ingest`` and ``run`` alike)."""
    return {"run_id": run_id, "status": status, "new": new, "sources": rows}


def echo_json(data: dict[str, Any]) -> None:
    """One JSON object on one line (``--json``)."""
    typer.echo(json.dumps(data, ensure_ascii=False, default=str))
