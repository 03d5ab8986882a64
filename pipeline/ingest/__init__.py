"""The ingest spine, read top-down: run → discover → fetch → parse → store → publish.

``run`` is the driver and the run record; ``discover`` turns a source's listing into
candidates; ``fetch`` skips what is known, fetches politely and handles walls; ``parse`` turns
a page into an article record in a thread; ``store`` is the only stage that opens database
sessions (identity, dedup, story and tags through ``pipeline.article_store``, one transaction
per batch); ``publish`` writes the Atom feeds and sends the alerts after a run. The names below
load on first use, so ``newsmon feed`` and ``newsmon alerts`` (publish only) skip the parsers.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.ingest.run import (
        SourceResult,
        SourceRunner,
        begin_run,
        failed_discovery,
        ingest_source,
        record_ingest,
        run_ingest,
    )
    from pipeline.run_state import Discovery, IngestContext, IngestReport, RunState, SourceCounts

_HOME = {
    **dict.fromkeys(
        ("Discovery", "IngestContext", "IngestReport", "RunState", "SourceCounts"),
        "pipeline.run_state",
    ),
    **dict.fromkeys(
        (
            "SourceResult",
            "SourceRunner",
            "begin_run",
            "failed_discovery",
            "ingest_source",
            "record_ingest",
            "run_ingest",
        ),
        "pipeline.ingest.run",
    ),
}
__all__ = [
    "Discovery",
    "IngestContext",
    "IngestReport",
    "RunState",
    "SourceCounts",
    "SourceResult",
    "SourceRunner",
    "begin_run",
    "failed_discovery",
    "ingest_source",
    "record_ingest",
    "run_ingest",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOME[name]), name)
