"""The live ingest display: a row per source for a few, one aggregate bar for thousands."""

from __future__ import annotations

import io

from rich.console import Console

from cli.ingest_progress import ROWS_UP_TO, IngestProgress
from pipeline.run_state import SourceCounts


def feed(show: IngestProgress, names: list[str]) -> None:
    for name in names:
        show("source_start", source=name)
    for i, name in enumerate(names):
        counts = SourceCounts()
        counts.new, counts.failed = 2, 1
        show("discovered", source=name, n=3)
        show("fetched", source=name, n=3, counts=counts)
        show("source_done", source=name, counts=counts, status="ok" if i % 2 else "failing")


def test_ten_thousand_sources_are_one_bar_with_running_totals() -> None:
    out = io.StringIO()
    names = [f"dead-{i}" for i in range(10_000)]
    with IngestProgress(Console(file=out, width=160), len(names)) as show:
        feed(show, names)
        tasks = show.tasks
        assert len(tasks) == 1
        (bar,) = tasks
        assert (bar.completed, bar.total) == (10_000, 10_000)
        assert bar.fields["note"] == (
            "0 running; 20000 new, 10000 failed articles; 5000 failing, 5000 ok"
        )
    assert "10000 sources" in out.getvalue()


def test_a_few_sources_keep_a_row_each() -> None:
    names = [f"nos-{i}" for i in range(ROWS_UP_TO)]
    with IngestProgress(Console(file=io.StringIO()), len(names)) as show:
        feed(show, names)
        rows = show.tasks
        assert [row.description for row in rows] == names
        assert {row.fields["note"] for row in rows} == {"ok", "failing"}
