"""What the ``ingest`` and ``backfill`` flows share: the per-source task (Prefect costs
10–35 ms per task run: batches, never articles).

Tasks receive a database URL and a source name; their results stay in memory
(``persist_result=False``). Unexpected errors are retried with exponential backoff and jitter;
HTTP-level retries are the polite client's job.
"""

from __future__ import annotations

from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NONE
from prefect.client.schemas.objects import State
from prefect.states import Failed
from prefect.tasks import exponential_backoff

from composition.context import make_context
from pipeline.ingest import (
    SourceCounts,
    SourceResult,
    SourceRunner,
    failed_discovery,
    ingest_source,
)
from pipeline.run_state import STATUS_OK, health_status
from scrapers.sources import SourceConfig

RETRIES = 2
RETRY_DELAYS = exponential_backoff(backoff_factor=2)
RETRY_JITTER = 0.5


SOURCE_FAILED = "SourceFailed"  # the state of a source task whose source failed (no retry)


def retry_on_exceptions_only(task: Any, task_run: Any, state: State) -> bool:
    """Retry a task that raised; a source that answered with a failure is reported, not
    polled again at once (its HTTP retries are spent already)."""
    return state.name != SOURCE_FAILED


@task(
    name="ingest-source",
    task_run_name="ingest-{source_name}",
    retries=RETRIES,
    retry_delay_seconds=RETRY_DELAYS,
    retry_jitter_factor=RETRY_JITTER,
    retry_condition_fn=retry_on_exceptions_only,
    cache_policy=NONE,
    persist_result=False,
)
def ingest_source_task(
    db_url: str, source_name: str, run_id: int, refetch: bool, trigger: str
) -> SourceResult | State:
    """Discover, fetch and store one source (idempotent: a retry skips what is stored).

    A failed source ends its task in a Failed state (red in the UI) that names the reason and
    still carries the counts, read by :func:`source_tasks`."""
    ctx = make_context(db_url, refetch, trigger)
    discovery, counts = ingest_source(ctx.config.get(source_name), ctx, run_id)
    logger = get_run_logger()
    status = health_status(discovery, counts)
    if status != STATUS_OK:
        errors = discovery.errors or counts.errors
        reason = errors[0].line() if errors else status
        logger.warning("%s: %s: %s", source_name, status, reason)
        return Failed(
            name=SOURCE_FAILED, message=f"{source_name}: {reason}", data=(discovery, counts)
        )
    logger.info(
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
            result: Any
            try:
                result = future.result(raise_on_failure=False)
            except Exception as exc:  # the others go on; the reason is kept
                result = exc
            if isinstance(result, BaseException):  # the task raised, after its retries
                result = (failed_discovery(source.name, source.url, result), SourceCounts())
            results.append(result)
        return results

    return run
