"""The ingest context (engine, config, run, client) and logged fetches through it.

The polite client (``scrapers.http.PoliteClient``) does the HTTP; this module adds what needs
the database: stored validators for conditional GETs, the fetch log, and the memory of hosts
that were unreachable earlier in the run (so an offline run fails fast instead of retrying every
URL of a dead host).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pipeline.ingest_record import configured_source_row
from pipeline.processor import Processor
from scrapers.fetch_result import FetchResult, Outcome
from scrapers.pacing import HostPacer, InProcessPacer
from scrapers.sources import FetchConfig, SourceConfig, SourcesConfig
from storage.db import session_scope
from storage.fetchlog import record_fetch
from storage.types import utcnow

log = logging.getLogger(__name__)

# Outcomes after which a host is not tried again in the same run.
HOST_DOWN_OUTCOMES = frozenset({Outcome.CONNECT_ERROR})


class ClientLike(Protocol):
    """The polite client as the ingest core uses it."""

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
    """Everything an ingest step needs: engine, sources config, run id, re-check switch.

    ``client_factory`` builds the polite client; the default is ``scrapers.http.PoliteClient``
    with the ``[fetch]`` settings. One client lives for one event loop (``asyncio.run``): the
    sync entry points build it, use it, and close it.
    """

    engine: Engine
    config: SourcesConfig
    run_id: int | None = None
    refetch: bool = False
    trigger: str = "cli"
    chunk_size: int = 50
    client_factory: Callable[[IngestContext], ClientLike] = _default_client
    client: ClientLike | None = None
    pacer: HostPacer = field(default_factory=InProcessPacer)
    down_hosts: set[str] = field(default_factory=set)
    source_ids: dict[str, int] = field(default_factory=dict)
    # Canonical URLs and article ids (``host:id``) already taken on in this context, so two
    # feeds listing the same article in one run, under any of its URLs, cost one fetch.
    claimed: set[str] = field(default_factory=set)
    claimed_keys: set[str] = field(default_factory=set)
    # First delay before a listed URL whose article could not be read (a failure, or a wall
    # that left a teaser) is tried again; it doubles with each failure (pipeline.ingest_known).
    retry_base_s: float = 900.0
    clock: Callable[[], datetime] = utcnow  # when retries are due (tests move it on)
    processor: Processor | None = None  # dedup/story/tag state, built on first store
    # Builds it (entry points pass one reading the configured taxonomy and seeds).
    new_processor: Callable[[], Processor] = Processor.from_topics_file

    def get_processor(self) -> Processor:
        """The run's processing state (one per context, so chunks share the near-dup index)."""
        if self.processor is None:
            self.processor = self.new_processor()
        return self.processor

    @property
    def fetch_config(self) -> FetchConfig:
        return self.config.fetch

    def make_client(self) -> ClientLike:
        """A new polite client (the caller closes it with ``await client.aclose()``)."""
        return self.client_factory(self)

    def require_client(self) -> ClientLike:
        if self.client is None:
            raise RuntimeError("no client: use the sync entry points or open_client()")
        return self.client

    def source_id(self, source: SourceConfig) -> int:
        """The ``sources`` row id of ``source`` (created on first use, config applied)."""
        if source.name not in self.source_ids:
            with session_scope(self.engine) as session:
                self.source_ids[source.name] = configured_source_row(session, source).id
        return self.source_ids[source.name]


async def fetch_page(
    ctx: IngestContext,
    source: SourceConfig,
    url: str,
    etag: str | None = None,
    last_modified: str | None = None,
    accept: str = "html",
) -> FetchResult:
    """Fetch ``url`` for ``source`` (not logged: the caller logs it with its outcome)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in ctx.down_hosts:
        error = f"{host} was unreachable earlier in this run"
        return FetchResult(url, url, Outcome.CONNECT_ERROR, error=error, requested=False)
    fetched = await ctx.require_client().fetch(
        url,
        allowed_hosts=source.allowed_hosts,
        etag=etag,
        last_modified=last_modified,
        accept=accept,
        min_interval_s=source.interval_s(ctx.fetch_config),
    )
    if fetched.outcome in HOST_DOWN_OUTCOMES and host:
        log.info("%s is unreachable (%s); skipping it for the rest of the run", host, fetched.error)
        ctx.down_hosts.add(host)
    return fetched


def log_fetch(
    session: Session,
    ctx: IngestContext,
    source_id: int | None,
    fetched: FetchResult,
    outcome: Outcome | None = None,
    error: str | None = None,
) -> None:
    """One fetch-log row; ``outcome``/``error`` override the fetch's (e.g. ``no_article``)."""
    record_fetch(
        session,
        url=fetched.url,
        outcome=outcome or fetched.outcome,
        source_id=source_id,
        run_id=ctx.run_id,
        final_url=fetched.final_url,
        status_code=fetched.status_code,
        error=error or fetched.error,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        n_bytes=fetched.n_bytes,
        elapsed_ms=fetched.elapsed_ms,
    )
