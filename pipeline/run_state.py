"""What an ingest run is given and what it learns: configuration apart from run state.

:class:`IngestContext` is configuration only (engine, sources, switches, factories): built once
by the composition root and shared by every run and task. :class:`RunState` is what one run
learns as it goes (its id, the client of its event loop, hosts found down, URLs claimed, the
processing state); the driver that starts the run owns it and hands it to each stage.
:class:`Discovery`, :class:`SourceCounts`, :class:`IngestReport` and the records the stages
hand each other are plain data; nothing here holds HTML or opens a session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine

from pipeline.article_store import Precomputed
from pipeline.processor import Processor
from scrapers.candidates import Candidate
from scrapers.extract import ExtractedPage, PageMetadata
from scrapers.fetch_result import FetchResult
from scrapers.outcomes import (
    BLOCKED_OUTCOMES,
    BLOCKED_STATUS_CODES,
    GONE_STATUS_CODES,
    UNREACHABLE_OUTCOMES,
    ErrorRecord,
    Outcome,
)
from scrapers.pacing import HostPacer, InProcessPacer
from scrapers.sources import FetchConfig, SourceConfig, SourcesConfig
from storage.fetchlog import FetchEntry, Validators
from storage.retries import RetryState
from storage.runs import COUNT_FIELDS
from storage.sources import (
    STATUS_BLOCKED,
    STATUS_FAILING,
    STATUS_GONE,
    STATUS_OK,
    STATUS_UNREACHABLE,
    ListingState,
)
from storage.types import utcnow

# Discovery status: the listing was read, was unchanged (304), or could not be read.
DISCOVERY_OK = "ok"
DISCOVERY_NOT_MODIFIED = "not_modified"
DISCOVERY_FAILED = "failed"
# The count columns of ``ingest_run_sources``: one list, kept by storage.
COUNT_NAMES = COUNT_FIELDS
MAX_ERRORS_KEPT = 200  # per batch, so a dead source cannot bloat the run row
log = logging.getLogger(__name__)


class ClientLike(Protocol):
    """The polite client as the ingest uses it (``scrapers.http.PoliteClient``)."""

    async def fetch(
        self,
        url: str,
        *,
        allowed_hosts: Any,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: Any = "any",
        min_interval_s: float | None = None,
    ) -> FetchResult: ...

    async def aclose(self) -> None: ...


def _default_client(ctx: IngestContext) -> ClientLike:
    from scrapers.http import PoliteClient

    return PoliteClient(ctx.fetch_config, pacer=ctx.pacer)


@dataclass
class IngestContext:
    """The configuration of ingest runs: engine, sources, re-check switch, chunk size, and the
    factories of the polite client and of the processing state. Never changed by a run."""

    engine: Engine
    config: SourcesConfig
    refetch: bool = False
    trigger: str = "cli"
    chunk_size: int = 50
    client_factory: Callable[[IngestContext], ClientLike] = _default_client
    pacer: HostPacer = field(default_factory=InProcessPacer)
    # First delay before a listed URL whose article could not be read (a failure, or a wall
    # that left a teaser) is tried again; it doubles with each failure.
    retry_base_s: float = 900.0
    clock: Callable[[], datetime] = utcnow  # when retries are due (tests move it on)
    # Builds a run's processing state (entry points pass one reading the configured taxonomy).
    new_processor: Callable[[], Processor] = Processor.from_topics_file

    @property
    def fetch_config(self) -> FetchConfig:
        return self.config.fetch


@dataclass
class RunState:
    """One run as it goes, owned by its driver: the stages read and extend it."""

    ctx: IngestContext
    run_id: int
    client: ClientLike | None = None  # one per event loop (``pipeline.ingest.run.open_client``)
    processor: Processor | None = None  # built on first store, shared by the run's chunks
    down_hosts: set[str] = field(default_factory=set)  # unreachable earlier in this run
    source_ids: dict[str, int] = field(default_factory=dict)
    # Canonical URLs and article ids (``host:id``) already taken on in this run, so two feeds
    # listing the same article, under any of its URLs, cost one fetch.
    claimed: set[str] = field(default_factory=set)
    claimed_keys: set[str] = field(default_factory=set)
    # Listings' stored validators read for every source at once (``register_sources``).
    listing_validators: dict[str, Validators | None] = field(default_factory=dict)
    # Each registered source's remembered listing move and 410 (storage.sources.ListingState).
    listing_states: dict[str, ListingState] = field(default_factory=dict)
    # Pages refused for now (a wall, no article yet) whose retry was due when first asked.
    due_refusals: list[str] | None = None
    # With a list (a driver running many sources side by side), failed listings' fetch-log
    # rows wait here to be written many per insert (``pipeline.ingest.store.log_listing``).
    listing_log: list[FetchEntry] | None = None

    def get_processor(self) -> Processor:
        """The run's processing state (one per run, so chunks share the near-dup index)."""
        if self.processor is None:
            self.processor = self.ctx.new_processor()
        return self.processor

    def require_client(self) -> ClientLike:
        if self.client is None:
            raise RuntimeError("no client: fetch inside pipeline.ingest.run.open_client()")
        return self.client


@dataclass(slots=True)
class Discovery:
    """Candidates one source listed, and how reading the listing went."""

    source_name: str
    status: str = DISCOVERY_OK  # ok | not_modified | failed
    candidates: list[Candidate] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    # The worst fetch outcome/status code of the listing, for the source's health.
    outcome: Outcome | None = None
    status_code: int | None = None
    listing_urls: list[str] = field(default_factory=list)
    # The ETag / Last-Modified each listing answered a poll with, stored only once the run has
    # stored what the listing named (the run record), never before.
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)


@dataclass(slots=True)
class KnownState:
    """What the database knows of a batch of listed URLs, for the fetch step's skip."""

    known: set[str] = field(default_factory=set)  # stored, or found to hold no article
    by_alias: dict[str, int] = field(default_factory=dict)  # canonical URL -> article id
    by_key: dict[str, int] = field(default_factory=dict)  # article id key -> article id
    retries: dict[str, RetryState] = field(default_factory=dict)
    teasers: set[int] = field(default_factory=set)  # articles stored from the feed only


@dataclass(slots=True)
class PageResult:
    """One candidate after fetch and extraction (no HTML kept)."""

    candidate: Candidate
    fetched: FetchResult
    page: ExtractedPage | None = None
    # ok | not_modified | no_article | parse_error | consent_wall | paywall | <fetch outcome>
    outcome: Outcome = Outcome.OK
    error: str | None = None
    precomputed: Precomputed | None = None
    stored: bool = False  # the page's article is stored (its validators may then be kept)
    article_id: int | None = None  # the stored article
    canonical_url: str | None = None  # the URL it is stored under
    teaser: PageMetadata | None = None  # a walled page's own title, date, byline, description
    pending: bool = False  # no article yet (a stub): its teaser is stored, the page tried again


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
    errors: list[ErrorRecord] = field(default_factory=list)
    fetched: int = 0  # article requests made (not stored; for reports and tests)
    blocked_responses: int = 0
    unreachable_responses: int = 0
    # Listed URLs waiting for a retry: their listing is read in full next time, so they are
    # seen again when due.
    waiting: int = 0
    stored_ids: list[int] = field(default_factory=list)

    def add(self, other: SourceCounts) -> None:
        """Add another batch's counts (a source is fetched in chunks)."""
        extra = ("fetched", "blocked_responses", "unreachable_responses", "waiting")
        for name in (*COUNT_NAMES, *extra):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)
        self.stored_ids.extend(other.stored_ids)

    def count_response(self, fetched: FetchResult) -> None:
        """Count an article request by how the site answered (for the source's health)."""
        if not fetched.requested:
            return
        self.fetched += 1
        if fetched.outcome == Outcome.BLOCKED or fetched.status_code in BLOCKED_STATUS_CODES:
            self.blocked_responses += 1
        elif fetched.outcome in UNREACHABLE_OUTCOMES:
            self.unreachable_responses += 1

    def keep_error(self, url: str, outcome: Outcome, error: str | None) -> None:
        """Log an article's error and keep it (up to ``MAX_ERRORS_KEPT``)."""
        log.warning("%s: %s %s", url, outcome, error or "")
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(ErrorRecord.of(url, outcome, error))

    def first_error(self) -> str | None:
        """The run's first error as one line, or None without errors."""
        return self.errors[0].line() if self.errors else None

    def as_counts(self) -> dict[str, int]:
        """The count columns only, for ``storage.runs.record_source_counts``."""
        return {name: int(getattr(self, name)) for name in COUNT_NAMES}


@dataclass(slots=True)
class SourceRecord:
    """What the run record writes for one source (decided by ``pipeline.ingest.run``)."""

    source: SourceConfig
    counts: SourceCounts
    status: str  # its health status, or ``interrupted``
    health_line: str | None = None  # the failure its health shows; None: health untouched
    update_health: bool = True
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    reread: list[str] = field(default_factory=list)  # listings to read in full next time


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
    """A source's health after a run: ok, blocked (403 / 429s), unreachable, gone (410) or
    failing."""
    if discovery.status == DISCOVERY_FAILED:
        if discovery.status_code in GONE_STATUS_CODES:
            return STATUS_GONE
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
