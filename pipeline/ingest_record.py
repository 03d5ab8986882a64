"""Recording an ingest run's outcome: per-source counts and errors, source health, run status.

One implementation for ``pipeline.ingest.run_ingest`` and for the Prefect flows, whose
discovery and fetching happen in separate tasks. A listing's new validators (ETag /
Last-Modified) are stored here, after every article it named is stored or failed for good: a
run that dies before this point leaves the old ones, so the next poll reads the listing again
instead of getting a 304 for articles it never stored.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pipeline.ingest_types import (
    DISCOVERY_FAILED,
    DISCOVERY_OK,
    STATUS_OK,
    Discovery,
    IngestReport,
    SourceCounts,
    error_line,
    health_status,
)
from scrapers.fetch_result import Outcome
from scrapers.sources import SourceConfig
from storage.db import session_scope
from storage.fetchlog import set_validators
from storage.models import IngestRun, Source
from storage.runs import (
    INTERRUPTED,
    finish_run,
    newer_result_exists,
    record_many_source_counts,
    record_source_counts,
)
from storage.sources import get_or_create_source, record_source_failure, record_source_success

# Article outcomes worth retrying on the next run (the server may answer then, the database
# may be free, a chunk that crashed may get through).
TRANSIENT_OUTCOMES = frozenset(
    {
        Outcome.TIMEOUT,
        Outcome.CONNECT_ERROR,
        Outcome.HTTP_ERROR,
        Outcome.BLOCKED,
        Outcome.STORE_ERROR,
        Outcome.INTERNAL_ERROR,
    }
)


def configured_source_row(session: Session, source: SourceConfig) -> Source:
    """The ``sources`` row of ``source`` (created on first use), with its configuration."""
    return get_or_create_source(
        session,
        source.name,
        kind=source.kind,
        url=source.url,
        enabled=source.enabled,
        priority=source.priority,
    )


@dataclass(slots=True)
class SourceOutcome:
    """What one source's discovery and fetch tasks produced."""

    source: SourceConfig
    discovery: Discovery
    counts: SourceCounts


def failed_discovery(source_name: str, url: str, exc: BaseException) -> Discovery:
    """A discovery whose task failed after its retries (the reason is kept)."""
    return Discovery(
        source_name=source_name,
        status=DISCOVERY_FAILED,
        outcome=Outcome.INTERNAL_ERROR,
        errors=[{"url": url, "outcome": Outcome.INTERNAL_ERROR, "error": repr(exc)}],
    )


def record_ingest(
    engine: Engine,
    run_id: int,
    outcomes: list[SourceOutcome],
    update_health: bool = True,
    interrupted: Collection[str] = (),
) -> IngestReport:
    """Write each source's counts (and, unless ``update_health`` is off, its health) and close
    the run; return the run's report. A backfill leaves the health alone: it describes the
    live polling, not a walk through old days. The sources named in ``interrupted`` were
    stopped by a signal: their counts so far are kept with the status ``interrupted``, their
    health is left as it was, and the run ends ``interrupted``."""
    report = IngestReport(run_id=run_id)
    with session_scope(engine) as session:
        run = session.get(IngestRun, run_id)
        if run is None:
            raise LookupError(f"ingest run {run_id} does not exist")
        cut: list[tuple[str, dict[str, int], list[Any], str]] = []
        for outcome in outcomes:
            source, discovery, counts = outcome.source, outcome.discovery, outcome.counts
            if source.name in interrupted:  # not all stored: its validators are not kept
                report.sources[source.name] = counts
                report.source_status[source.name] = INTERRUPTED
                cut.append((source.name, counts.as_counts(), counts.errors, INTERRUPTED))
                continue
            if discovery.status == DISCOVERY_OK and (
                has_transient_failures(counts) or counts.waiting
            ):
                # Read the listing in full next time, so the failed articles are retried (when
                # due); a permanent refusal (off-host, robots, too large) keeps the 304 path.
                for url in discovery.listing_urls:
                    set_validators(session, url, None, None)
            elif discovery.status == DISCOVERY_OK:
                for url, (etag, last_modified) in discovery.validators.items():
                    set_validators(session, url, etag, last_modified)
            status = health_status(discovery, counts)
            report.sources[source.name] = counts
            report.source_status[source.name] = status
            row = configured_source_row(session, source)
            if update_health and newer_result_exists(session, run, source.name):
                pass  # an overlapping, later-started run already set the source's health
            elif update_health and status == STATUS_OK:
                record_source_success(session, row)
            elif update_health:
                record_source_failure(session, row, health_summary(discovery, counts), status)
            record_source_counts(
                session, run, source.name, counts.as_counts(), counts.errors, status
            )
        record_many_source_counts(session, run, cut)  # thousands after a SIGTERM: one insert
        bad = [name for name, status in report.source_status.items() if status != STATUS_OK]
        errors = any(c.errors for c in report.sources.values())
        if interrupted:
            report.status = INTERRUPTED
        elif outcomes and len(bad) == len(outcomes):
            report.status = "failed"
        elif bad or errors:
            report.status = "partial"
        finish_run(session, run, report.status)
    return report


def health_summary(discovery: Discovery, counts: SourceCounts) -> str:
    """The error text a source's health shows: the first error of the run."""
    for error in discovery.errors or counts.errors:
        return error_line(error)
    if counts.blocked_responses:
        return f"{counts.blocked_responses} article requests refused (403/429)"
    return f"{counts.unreachable_responses} article requests could not connect"


def has_transient_failures(counts: SourceCounts) -> bool:
    """Whether some article of the run failed in a way a later run may get past."""
    return any(error.get("outcome") in TRANSIENT_OUTCOMES for error in counts.errors)
