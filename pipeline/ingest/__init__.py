"""The ingest spine, read top-down: run → discover → fetch → parse → store → publish.

``run`` is the driver and the run record; ``discover`` turns a source's listing into
candidates; ``fetch`` skips what is known, fetches politely and handles walls; ``parse`` turns
a page into an article record in a thread; ``store`` is the only stage that opens database
sessions (identity, dedup, story and tags through ``pipeline.article_store``, one transaction
per batch); ``publish`` writes the Atom feeds and sends the alerts after a run.
"""

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
