"""The live display of ``newsmon ingest``: a row per source for a few, one aggregate bar for many.

Rich redraws every row of a live display on each refresh, and ``add_task`` refreshes at once:
a row per source costs time quadratic in the number of sources (1,000 sources took 32 s of
drawing before the first fetch, 10,000 never got there). Above :data:`ROWS_UP_TO` sources the
display is one bar (sources done of all) with the running totals, whatever the size.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from pipeline.run_state import SourceCounts

ROWS_UP_TO = 20  # sources shown one row each; more are one aggregate bar


class IngestProgress:
    """Receives the ingest events (``source_start``, ``discovered``, ``fetched``,
    ``source_done``) and draws them; use as ``with IngestProgress(console, n) as show:``."""

    def __init__(self, console: Console, total_sources: int) -> None:
        self.per_source = total_sources <= ROWS_UP_TO
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
            refresh_per_second=4,
        )
        self._rows: dict[str, TaskID] = {}
        self._total: TaskID | None = None
        self._seen: dict[str, tuple[int, int]] = {}  # source -> (new, failed) counted so far
        self._new = self._failed = 0
        self._statuses: Counter[str] = Counter()
        self._running = 0
        if not self.per_source:
            self._total = self._progress.add_task(
                f"{total_sources} sources", total=total_sources, note="starting"
            )

    @property
    def tasks(self) -> list[Task]:
        """What is on display: one task per source, or the one aggregate bar."""
        return self._progress.tasks

    def __enter__(self) -> IngestProgress:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(None, None, None)

    def __call__(self, event: str, **data: Any) -> None:
        name = data.get("source")
        if not isinstance(name, str):
            return
        if self.per_source:
            self._row_event(event, name, data)
        else:
            self._aggregate_event(event, name, data)

    def _row_event(self, event: str, name: str, data: dict[str, Any]) -> None:
        progress, rows = self._progress, self._rows
        if event == "source_start":
            rows[name] = progress.add_task(escape(name), total=None, note="discovering")
        elif event == "discovered" and name in rows:
            progress.update(rows[name], total=data["n"], note=f"{data['n']} listed")
        elif event == "fetched" and name in rows:
            counts: SourceCounts = data["counts"]
            progress.advance(rows[name], data["n"])
            progress.update(rows[name], note=f"{counts.new} new, {counts.failed} failed")
        elif event == "source_done" and name in rows:
            total = progress.tasks[rows[name]].total or 0
            progress.update(rows[name], total=total, completed=total, note=data["status"])

    def _aggregate_event(self, event: str, name: str, data: dict[str, Any]) -> None:
        if event == "source_start":
            self._running += 1
        elif event == "source_done":
            self._running -= 1
            self._statuses[str(data["status"])] += 1
        elif event != "fetched":
            return
        counts = data.get("counts")
        if isinstance(counts, SourceCounts):  # running totals: constant work per event
            new, failed = self._seen.get(name, (0, 0))
            self._new += counts.new - new
            self._failed += counts.failed - failed
            self._seen[name] = (counts.new, counts.failed)
        if self._total is None:
            return
        health = ", ".join(f"{n} {status}" for status, n in sorted(self._statuses.items()))
        self._progress.update(
            self._total,
            completed=sum(self._statuses.values()),
            note=f"{self._running} running; {self._new} new, {self._failed} failed articles"
            + (f"; {health}" if health else ""),
        )
