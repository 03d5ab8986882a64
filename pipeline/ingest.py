"""The ingest core: discover each source's candidates, fetch and store the new ones.

Plain Python, no Prefect (``flows/`` wraps these in tasks: one per source discovery, one per
chunk of at most ``IngestContext.chunk_size`` URLs). No return value carries HTML.

Interface (stable):

- ``IngestContext(engine, config, run_id=None, refetch=False, trigger="cli", chunk_size=50,
  pacer=InProcessPacer(), processor=None)``: the engine, the ``SourcesConfig`` (its ``fetch``
  is the ``FetchConfig``), the run id, the re-check switch, the per-host pacer shared by the
  clients it builds, and the dedup/story/tag state passed to ``store_record`` (built on first
  use). ``make_client()`` builds the polite async client. Within one context a host that
  refused connections is not tried again and a canonical URL is fetched at most once.
- ``discover_source(source, ctx, day=None) -> Discovery``: candidates + status
  (ok | not_modified | failed) + errors. Archive sources read the page of ``day`` (default:
  today in Europe/Amsterdam); sitemaps keep only URLs dated ``day`` when it is given.
- ``fetch_and_store(candidates, source, ctx) -> SourceCounts``: skips stored canonical URLs
  (unless ``ctx.refetch``), fetches the rest politely and concurrently, extracts, stores through
  ``pipeline.store.store_record``, logs every request in ``fetch_log``, counts discovered /
  new / known / not_modified / failed / no_article / duplicates / updated and keeps errors.
- ``afetch_source(candidates, source, ctx, counts, on_chunk=None)``: all of a source's
  candidates in chunks, the next chunk's fetches overlapping the previous one's last parses
  (``pipeline.ingest_source``); what ``run_ingest`` does per source.
- ``run_ingest(ctx, source_names=None, progress=None) -> IngestReport``: every enabled source
  (or the named ones), one failing source never stopping the others; writes an ``ingest_runs``
  row with per-source counts and updates each source's health (ok, blocked on 403 / 429s,
  unreachable on connect errors, failing otherwise). Runs left ``running`` by a dead process
  are closed as ``abandoned`` first. Seeds are stored by ``pipeline/seed.py``.

The sync functions run their own event loop (``asyncio.run``) with a fresh client; async
callers use ``adiscover_source`` / ``afetch_and_store`` inside ``open_client(ctx)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any, TypeVar

from pipeline.ingest_client import IngestContext
from pipeline.ingest_discover import adiscover_source
from pipeline.ingest_pages import afetch_and_store
from pipeline.ingest_record import SourceOutcome, record_ingest
from pipeline.ingest_source import afetch_source
from pipeline.ingest_types import (
    DISCOVERY_FAILED,
    Discovery,
    IngestReport,
    SourceCounts,
    health_status,
)
from pipeline.run_owner import begin_run
from scrapers.candidates import Candidate
from scrapers.sources import SourceConfig, select_sources

__all__ = [
    "Discovery",
    "IngestContext",
    "IngestReport",
    "SourceCounts",
    "adiscover_source",
    "afetch_and_store",
    "afetch_source",
    "discover_source",
    "fetch_and_store",
    "open_client",
    "run_ingest",
]

log = logging.getLogger(__name__)
T = TypeVar("T")
Progress = Callable[..., None]


@asynccontextmanager
async def open_client(ctx: IngestContext) -> AsyncIterator[IngestContext]:
    """Give ``ctx`` a polite client for the current event loop, closed afterwards."""
    ctx.client = ctx.make_client()
    try:
        yield ctx
    finally:
        client, ctx.client = ctx.client, None
        await client.aclose()


def _run(ctx: IngestContext, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    async def main() -> T:
        async with open_client(ctx):
            return await work()

    return asyncio.run(main())


def discover_source(source: SourceConfig, ctx: IngestContext, day: date | None = None) -> Discovery:
    """Sync :func:`adiscover_source` (for callers without an event loop)."""
    return _run(ctx, lambda: adiscover_source(source, ctx, day))


def fetch_and_store(
    candidates: list[Candidate], source: SourceConfig, ctx: IngestContext
) -> SourceCounts:
    """Sync :func:`afetch_and_store` (for callers without an event loop)."""
    return _run(ctx, lambda: afetch_and_store(candidates, source, ctx))


def run_ingest(
    ctx: IngestContext,
    source_names: list[str] | None = None,
    progress: Progress | None = None,
    stop_on_signals: bool = False,
) -> IngestReport:
    """Ingest every enabled source (or those named), record the run and source health.

    With ``stop_on_signals`` (the CLI) SIGINT and SIGTERM stop the run at the next await: a
    store batch in progress is one synchronous transaction, so it completes; the sources
    still going are recorded ``interrupted`` (their health untouched), the run too, and
    ``report.signal`` says which signal. A second signal kills as usual.
    """
    sources = select_sources(ctx.config, source_names, include_disabled=bool(source_names))
    notify = progress or (lambda *args, **kwargs: None)
    if ctx.run_id is None:
        ctx.run_id = begin_run(ctx.engine, ctx.trigger, [s.name for s in sources])
    for source in sources:
        ctx.source_id(source)
    results = {s.name: (Discovery(source_name=s.name), SourceCounts()) for s in sources}
    finished: set[str] = set()
    received: list[int] = []

    async def main() -> None:
        async with open_client(ctx):
            work = asyncio.gather(
                *(_one_source(s, ctx, notify, results, finished) for s in sources)
            )
            with stop_on(work, received) if stop_on_signals else contextlib.nullcontext():
                try:
                    await work
                except asyncio.CancelledError:
                    if not received:
                        raise

    if sources:
        asyncio.run(main())
    outcomes = [SourceOutcome(s, *results[s.name]) for s in sources]
    cut = {s.name for s in sources} - finished if received else set()
    report = record_ingest(ctx.engine, ctx.run_id, outcomes, interrupted=cut)
    report.signal = received[0] if received else None
    notify("run_done", report=report)
    return report


@contextlib.contextmanager
def stop_on(work: asyncio.Future[Any], received: list[int]) -> Iterator[None]:
    """While inside, SIGINT / SIGTERM cancel ``work`` (once) and are noted in ``received``."""
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)

    def stop(signum: int) -> None:
        received.append(signum)
        log.warning("received %s: stopping after the current batch", signal.Signals(signum).name)
        for other in signals:
            loop.remove_signal_handler(other)
        work.cancel()

    for signum in signals:
        loop.add_signal_handler(signum, stop, signum)
    try:
        yield
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)


async def _one_source(
    source: SourceConfig,
    ctx: IngestContext,
    notify: Progress,
    results: dict[str, tuple[Discovery, SourceCounts]],
    finished: set[str],
) -> None:
    """Discover and fetch one source into ``results``; any failure is recorded, never raised
    (a cancellation is: the source is then left out of ``finished``)."""
    notify("source_start", source=source.name)
    discovery, counts = results[source.name]
    try:
        discovery = await adiscover_source(source, ctx)
        results[source.name] = (discovery, counts)
        counts.errors.extend(discovery.errors)
        notify("discovered", source=source.name, n=len(discovery.candidates))
        await afetch_source(
            discovery.candidates,
            source,
            ctx,
            counts,
            lambda n, so_far: notify("fetched", source=source.name, n=n, counts=so_far),
        )
        if discovery.status != DISCOVERY_FAILED and discovery.outcome == "not_modified":
            counts.not_modified += 1
    except Exception as exc:  # one source must never stop the others: record why it failed
        log.exception("source %s failed", source.name)
        discovery.status = DISCOVERY_FAILED
        discovery.outcome = "internal_error"
        counts.errors.append({"url": source.url, "outcome": "internal_error", "error": repr(exc)})
    finished.add(source.name)
    notify(
        "source_done", source=source.name, counts=counts, status=health_status(discovery, counts)
    )
