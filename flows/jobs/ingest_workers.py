"""Page parsing off the event loop: decode + extract (+ text hash and MinHash) in worker processes.

Extraction is CPU-bound Python (trafilatura walks the lxml tree), so threads mostly wait for
the GIL; a small process pool lets it run on another core while the event loop fetches and
the store writes. The pool is process-wide (Prefect runs one task per chunk, so a pool per
chunk would pay the worker start-up each time), started on first use, and shut down at exit
(or by :func:`shutdown_extract_pool`). Workers get the page bytes and return plain data; no
HTML goes back, and nothing reaches Prefect results.

``workers=0`` parses in a thread of this process instead (no extra processes).
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from processing.dedup import hash_and_signature, signature_to_bytes
from processing.tagging import Tagger, TagResult
from scrapers.errors import ExtractionError, NoArticleError
from scrapers.extract import ExtractedPage, decode_html, extract_page

log = logging.getLogger(__name__)

# A worker is replaced after this many pages, so whatever a parser leaks stays bounded.
PAGES_PER_WORKER = 5000

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def default_workers() -> int:
    """One worker per core beyond the first (the event loop and the store use that one)."""
    return max(1, min(4, (os.cpu_count() or 1) - 1))


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


def extract_pool(workers: int) -> ProcessPoolExecutor:
    """The process-wide pool (started on first use with ``workers`` processes)."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=workers,
                # spawn: forking a process that runs threads (Prefect, the event loop) is unsafe.
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_warm_up,
                max_tasks_per_child=PAGES_PER_WORKER,
            )
            log.debug("started %d extraction worker process(es)", workers)
        return _pool


def extract_pool_pids() -> list[int]:
    """The pids of the running worker processes (for memory measurements)."""
    with _lock:
        processes = getattr(_pool, "_processes", None) or {}
        return list(processes)


def shutdown_extract_pool() -> None:
    """Stop the workers and wait for them (also registered to run at exit)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_extract_pool)


async def aparse_page(
    body: bytes,
    content_type: str | None,
    final_url: str,
    workers: int,
    candidate_title: str | None = None,
    tagger: Tagger | None = None,
) -> Parsed:
    """:func:`parse_page` in a worker process (or a thread when ``workers`` is 0).

    The tagger goes along only when it can be pickled (built from a taxonomy's TOML text).
    """
    args = (body, content_type, final_url, candidate_title)
    if workers <= 0:
        return await asyncio.to_thread(parse_page, *args, tagger)
    if tagger is not None and not tagger.taxonomy.source:
        tagger = None  # the store tags instead
    loop = asyncio.get_running_loop()
    pool = extract_pool(workers)
    try:
        return await loop.run_in_executor(pool, parse_page, *args, tagger)
    except BrokenProcessPool:
        # A worker died (killed, out of memory): start afresh for the next pages.
        _discard(pool)
        raise


def _discard(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)
