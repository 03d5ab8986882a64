"""Page parsing off the event loop: decode + extract (+ text hash and MinHash) in worker processes.

Extraction is CPU-bound Python (trafilatura walks the lxml tree), so threads mostly wait for
the GIL; worker processes let it run on another core while the event loop fetches and the
store writes. The processes are process-wide and leased by one event loop at a time
(:mod:`pipeline.worker_pool`: Prefect runs a chunk per task, each in its own loop, and a
worker costs a second to start). Workers get the page bytes and return plain data; no HTML
goes back, and nothing reaches Prefect results.

``workers=0`` parses in threads of this process instead (no extra processes); so does a loop
that finds every allowed worker leased by others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass

from pipeline.worker_pool import Lease, lease_workers, shutdown_workers, worker_pids
from processing.dedup import hash_and_signature, signature_to_bytes
from processing.tagging import Tagger, TagResult
from scrapers.errors import ExtractionError, NoArticleError
from scrapers.extract import ExtractedPage, decode_html, extract_page

log = logging.getLogger(__name__)

# Starting a worker costs about a second of CPU (imports, trafilatura's set-up), some 200 pages'
# worth of parsing; for a short batch in a process without an idle worker (a one-off ingest of
# a feed's few new items) threads are cheaper, and spare the other processes' CPU.
MIN_PAGES_TO_START_WORKER = 20


def default_workers() -> int:
    """One worker per core (at most 4). The event loop (HTTP, store) needs about as much CPU
    per page as a worker, so on a 2-core machine one worker left the second core idle a third
    of the time; with two, the three processes share both cores (measured: 0.88 against 0.81
    of raw ``trafilatura.extract``, benchmarks/extract_throughput.py)."""
    return max(1, min(4, os.cpu_count() or 1))


@dataclass(slots=True)
class Parsed:
    """What parsing one page gave: the page, or the outcome and reason why there is none.

    ``title`` is the article title the store will use; ``text_hash``, ``minhash`` (signature
    bytes, None for a short text) and ``tags`` (of ``title`` + text, when a tagger was given)
    are computed next to extraction, so the store does not redo them on the event loop's core.
    """

    page: ExtractedPage | None
    outcome: str = "ok"  # ok | no_article | parse_error
    error: str | None = None
    title: str = ""
    text_hash: str | None = None
    minhash: bytes | None = None
    tags: TagResult | None = None


def article_title(page: ExtractedPage, candidate_title: str | None) -> str:
    """The page's title, else the feed's, else the first line of the text."""
    return page.title or candidate_title or page.text.split("\n", 1)[0][:200]


def parse_page(
    body: bytes,
    content_type: str | None,
    final_url: str,
    candidate_title: str | None = None,
    tagger: Tagger | None = None,
) -> Parsed:
    """Decode and extract one page; expected failures become outcomes, not exceptions."""
    try:
        page = extract_page(decode_html(body, content_type), final_url)
    except NoArticleError as exc:
        return Parsed(None, "no_article", exc.reason)
    except ExtractionError as exc:
        return Parsed(None, "parse_error", exc.reason)
    title = article_title(page, candidate_title)
    digest, minhash = hash_and_signature(page.text)
    return Parsed(
        page,
        title=title,
        text_hash=digest,
        minhash=signature_to_bytes(minhash) if minhash is not None else None,
        tags=tagger.tag(f"{title}\n{page.text}") if tagger is not None else None,
    )


def _warm_up() -> None:
    """Runs in each new worker: pay trafilatura's first-call set-up before the first page."""
    parse_page(b"<html><body><p>warm</p></body></html>", None, "http://localhost/")


class PageParser:
    """Parses pages for one event loop: in leased worker processes, else in threads."""

    def __init__(self, lease: Lease | None) -> None:
        self._lease = lease if lease is not None and lease.size else None

    @property
    def processes(self) -> int:
        """How many worker processes parse for this loop (0: threads do)."""
        return self._lease.size if self._lease is not None else 0

    async def parse(
        self,
        body: bytes,
        content_type: str | None,
        final_url: str,
        candidate_title: str | None = None,
        tagger: Tagger | None = None,
    ) -> Parsed:
        """:func:`parse_page` off the event loop.

        The tagger goes to a worker only when it can be pickled (built from a taxonomy's TOML
        text); otherwise the store tags instead.
        """
        args = (body, content_type, final_url, candidate_title)
        if self._lease is None:
            return await asyncio.to_thread(parse_page, *args, tagger)
        if tagger is not None and not tagger.taxonomy.source:
            tagger = None
        parsed: Parsed = await self._lease.call(*args, tagger)
        return parsed


@contextlib.asynccontextmanager
async def page_parser(
    workers: int, pages: int = MIN_PAGES_TO_START_WORKER
) -> AsyncIterator[PageParser]:
    """A :class:`PageParser` with up to ``workers`` worker processes (0: threads) for about
    ``pages`` pages: a worker is started only for :data:`MIN_PAGES_TO_START_WORKER` or more
    (an idle one is used for any number)."""
    if workers <= 0:
        yield PageParser(None)
        return
    start_new = pages >= MIN_PAGES_TO_START_WORKER
    async with lease_workers(workers, parse_page, _warm_up, start_new) as lease:
        yield PageParser(lease)


def extract_pool_pids() -> list[int]:
    """The pids of the running worker processes (for memory measurements)."""
    return worker_pids()


def shutdown_extract_pool() -> None:
    """Stop the workers and wait for them (also done at exit)."""
    shutdown_workers()
