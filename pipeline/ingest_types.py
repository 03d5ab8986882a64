"""Plain results of the ingest core: what discovery found and what a fetch batch did.

Kept apart from the job code so the Prefect flows, the CLI and the tests can import them
without pulling in the HTTP client. Nothing here holds HTML.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from scrapers.candidates import Candidate
from scrapers.fetch_result import Outcome
from storage.runs import COUNT_FIELDS
from storage.sources import STATUS_BLOCKED, STATUS_FAILING, STATUS_OK, STATUS_UNREACHABLE

# Discovery status: the listing was read, was unchanged (304), or could not be read.
DISCOVERY_OK = "ok"
DISCOVERY_NOT_MODIFIED = "not_modified"
DISCOVERY_FAILED = "failed"

# Fetch outcomes that mean "they refuse us" (source blocked) or "we cannot reach them".
BLOCKED_OUTCOMES = frozenset({Outcome.BLOCKED})
UNREACHABLE_OUTCOMES = frozenset({Outcome.CONNECT_ERROR, Outcome.TIMEOUT})
BLOCKED_STATUS_CODES = frozenset({403, 429})

__all__ = [
    "DISCOVERY_FAILED",
    "DISCOVERY_NOT_MODIFIED",
    "DISCOVERY_OK",
    "STATUS_BLOCKED",
    "STATUS_FAILING",
    "STATUS_OK",
    "STATUS_UNREACHABLE",
    "Discovery",
    "IngestReport",
    "SourceCounts",
    "health_status",
]


@dataclass(slots=True)
class Discovery:
    """Candidates one source listed, and how reading the listing went."""

    source_name: str
    status: str = DISCOVERY_OK  # ok | not_modified | failed
    candidates: list[Candidate] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    # The worst fetch outcome/status code of the listing, for the source's health.
    outcome: Outcome | None = None
    status_code: int | None = None
    listing_urls: list[str] = field(default_factory=list)
    # The ETag / Last-Modified each listing answered a poll with, stored only once the run has
    # stored what the listing named (``pipeline.ingest_record``), never before.
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)


@dataclass(slots=True)
class SourceCounts:
    """Per-source counts of one run (the columns of ``ingest_run_sources``) and its errors."""

    discovered: int = 0
    new: int = 0
    known: int = 0
    not_modified: int = 0
    failed: int = 0
    no_article: int = 0
    duplicates: int = 0
    updated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    fetched: int = 0  # article requests made (not stored; for reports and tests)
    blocked_responses: int = 0
    unreachable_responses: int = 0
    # Listed URLs waiting for a retry (pipeline.ingest_known): their listing is read in full
    # next time, so they are seen again when due.
    waiting: int = 0
    stored_ids: list[int] = field(default_factory=list)

    def add(self, other: SourceCounts) -> None:
        """Add another batch's counts (a source is fetched in chunks)."""
        extra = ("fetched", "blocked_responses", "unreachable_responses", "waiting")
        for name in (*COUNT_NAMES, *extra):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)
        self.stored_ids.extend(other.stored_ids)

    def first_error(self) -> str | None:
        """The run's first error as one line, or None without errors."""
        return error_line(self.errors[0]) if self.errors else None

    def as_counts(self) -> dict[str, int]:
        """The count columns only, for ``storage.runs.record_source_counts``."""
        data = asdict(self)
        return {name: int(data[name]) for name in COUNT_NAMES}


def error_line(error: dict[str, Any]) -> str:
    """One recorded error as the reports show it: ``outcome: url: error``."""
    text = str(error.get("error"))
    url = error.get("url")
    if url and str(url) in text:  # the reason names the URL already: say it once
        return f"{error.get('outcome')}: {text}"
    return f"{error.get('outcome')}: {url}: {text}"


# The count columns of ``ingest_run_sources``: one list, kept by storage.
COUNT_NAMES = COUNT_FIELDS


@dataclass(slots=True)
class IngestReport:
    """One ingest run: its id and status, and per source the health status and counts."""

    run_id: int | None
    status: str = "ok"  # ok | partial | failed | interrupted
    sources: dict[str, SourceCounts] = field(default_factory=dict)
    source_status: dict[str, str] = field(default_factory=dict)
    signal: int | None = None  # the signal that interrupted the run

    @property
    def total_new(self) -> int:
        return sum(c.new for c in self.sources.values())


def health_status(discovery: Discovery, counts: SourceCounts | None) -> str:
    """A source's health after a run: ok, blocked (403 / 429s), unreachable or failing."""
    if discovery.status == DISCOVERY_FAILED:
        if discovery.outcome in BLOCKED_OUTCOMES or discovery.status_code in BLOCKED_STATUS_CODES:
            return STATUS_BLOCKED
        if discovery.outcome in UNREACHABLE_OUTCOMES:
            return STATUS_UNREACHABLE
        return STATUS_FAILING
    if counts is not None:
        tried = counts.fetched
        answered = tried - counts.blocked_responses - counts.unreachable_responses
        if tried and answered == 0:
            if counts.blocked_responses:
                return STATUS_BLOCKED
            return STATUS_UNREACHABLE
    return STATUS_OK
