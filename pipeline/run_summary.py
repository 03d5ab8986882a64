"""One ingest run as rows: what ``newsmon ingest``, ``newsmon run``, the ``ingest-report``
artifact and the flows' results all show, so they never disagree.

Failed sources come first (an operator reads the problems before the successes), each with its
first error as one line: the reason, not only the word "failed".
"""

from __future__ import annotations

from typing import Any

from pipeline.run_state import DISCOVERY_OK, SourceCounts
from storage.masking import mask_secrets

OK_STATUS = "ok"
REASONS_NAMED = 20  # failed sources a failure message names; the rest are counted


def report_rows(
    counts_by_source: dict[str, SourceCounts], status: dict[str, str]
) -> list[dict[str, Any]]:
    """One row per source, failed ones first: its health, its counts, its first error."""
    rows = []
    for name, counts in counts_by_source.items():
        rows.append(
            {
                "source": name,
                "status": status.get(name, DISCOVERY_OK),
                **counts.as_counts(),
                "errors": len(counts.errors),
                "first_error": mask_secrets(counts.first_error() or ""),
            }
        )
    return sorted(rows, key=lambda row: row["status"] == OK_STATUS)


def failed_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of sources that did not end ``ok``."""
    return [row for row in rows if row["status"] != OK_STATUS]


def failure_message(rows: list[dict[str, Any]], limit: int = REASONS_NAMED) -> str:
    """``1 of 6 sources failed: name: reason`` (``;``-separated): the first ``limit`` failed
    sources by name, then how many more (a run of thousands is still one readable message)."""
    failed = failed_rows(rows)
    named = failed[:limit]
    reasons = "; ".join(f"{row['source']}: {row['first_error'] or row['status']}" for row in named)
    if len(failed) > limit:
        reasons += f"; and {len(failed) - limit} more"
    return f"{len(failed)} of {len(rows)} sources failed: {reasons}"
