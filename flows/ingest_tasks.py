"""What the ``ingest`` and ``backfill`` flows share: the per-source task (Prefect costs
10–35 ms per task run: batches, never articles).

Tasks receive a database URL and a source name; their results stay in memory
(``persist_result=False``). Unexpected errors are retried with exponential backoff and jitter;
HTTP-level retries are the polite client's job.
"""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NONE
from prefect.tasks import exponential_backoff

from composition.context import make_context
from pipeline.ingest import (
    SourceCounts,
    SourceResult,
    SourceRunner,
    failed_discovery,
    ingest_source,
)
from scrapers.sources import SourceConfig

RETRIES = 2
RETRY_DELAYS = exponential_backoff(backoff_factor=2)
RETRY_JITTER = 0.5


@task(
    name="ingest-source",
    task_run_name="ingest-{source_name}",
    retries=RETRIES,
    retry_delay_seconds=RETRY_DELAYS,
    retry_jitter_factor=RETRY_JITTER,
    cache_policy=NONE,
    persist_result=False,
)
def ingest_source_task(
    db_url: str, source_name: str, run_id: int, refetch: bool, trigger: str
) -> SourceResult:
    """Discover, fetch and store one source (idempotent: a retry skips what is stored)."""
    ctx = make_context(db_url, refetch, trigger)
    discovery, counts = ingest_source(ctx.config.get(source_name), ctx, run_id)
    get_run_logger().info(
        "%s: %s, %d new, %d known, %d failed",
        source_name,
        discovery.status,
        counts.new,
        counts.known,
        counts.failed,
    )
    return discovery, counts


def source_tasks(db_url: str, refetch: bool, trigger: str) -> SourceRunner:
    """A ``run_sources`` for :func:`pipeline.ingest.run_ingest`: one task per source, run side
    by side; a task that fails after its retries is recorded as the source's failure."""

    def run(sources: list[SourceConfig], run_id: int) -> list[SourceResult]:
        futures = [
            ingest_source_task.submit(db_url, source.name, run_id, refetch, trigger)
            for source in sources
        ]
        results: list[SourceResult] = []
        for source, future in zip(sources, futures, strict=True):
            try:
                results.append(future.result())
            except Exception as exc:  # the others go on; the reason is kept
                results.append((failed_discovery(source.name, source.url, exc), SourceCounts()))
        return results

    return run
