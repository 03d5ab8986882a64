"""The summary of one ingest run, as ``newsmon ingest`` and ``newsmon run`` print it.

One layout for both. Source names are never cut: the table keeps the name column whole and
drops to one block per source when the terminal is too narrow for every column (piped output
is 80 columns). Failed sources come first, each followed by its one-line reason.
"""

from __future__ import annotations

import json
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


def styled_status(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, 'white')}]{escape(status)}[/]"


def print_summary(title: str, rows: list[dict[str, Any]]) -> None:
    """The run's table (or blocks, when too narrow), then each failed source's reason."""
    columns = [Col("source"), Col("status"), *(Col(HEADERS[n], right=True) for n in COUNT_NAMES)]
    cells = [
        [
            escape(row["source"]),
            styled_status(row["status"]),
            *(str(row[name]) for name in COUNT_NAMES),
        ]
        for row in rows
    ]
    print_rows(console, title, columns, cells)
    for row in rows:
        if row["first_error"] or row["status"] != "ok":
            reason = row["first_error"] or row["status"]
            more = f" (+{row['errors'] - 1} more)" if row["errors"] > 1 else ""
            console.print(
                f"[yellow]{escape(row['source'])}[/]: {escape(reason)}{more}", highlight=False
            )


def ingest_json(
    run_id: int | None, status: str, new: int, rows: list[dict[str, Any]]
) -> dict[str, Any]:
    """The ``--json`` shape of an ingest summary (``ingest`` and ``run`` alike)."""
    return {"run_id": run_id, "status": status, "new": new, "sources": rows}


def echo_json(data: dict[str, Any]) -> None:
    """One JSON object on one line (``--json``)."""
    typer.echo(json.dumps(data, ensure_ascii=False, default=str))
