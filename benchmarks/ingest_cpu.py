"""CPU per stored page: the ingest core against raw ``trafilatura.extract`` on the same pages.

Serves the generated NOS-like article pages of ``tests/site`` on loopback from a separate
process, then measures on the same HTML:

- ``raw_cpu_ms_per_page``: CPU of ``trafilatura.extract`` on the page bytes, nothing else;
- ``core_cpu_ms_per_page``: CPU of this process (every thread: the event loop's HTTP and store,
  the parsing threads) per stored page through ``fetch_source``, as ``newsmon ingest`` runs a
  source (politeness interval 0 for the benchmark host); ``cpu_ratio`` (goal <= 2, issue 24);
- where the core's CPU goes: ``loop_cpu_ms_per_page`` (the event loop's thread: HTTP, store)
  and ``parse_cpu_ms_per_page`` (the parsing threads: extraction, metadata, tags, hashes);
  of the loop's share, ``store_cpu_ms_per_page``: storing the batches (``store_pages``:
  articles, versions, tags, dedup, stories, aliases, validators, fetch log);
- the floor the required parts set: ``trafilatura_text_and_metadata_ms`` (one
  ``bare_extraction`` pass, main extractor plus ``extract_metadata``: what issue 16 asks of
  every page) and ``httpx_get_ms`` (an ``httpx.AsyncClient`` GET of the same page, 8 at a
  time: the HTTP client issue 17 asks for); ``floor_ratio`` is their sum over the raw figure;
- ``core_pages_per_s`` for information (a real poll is paced at >= 1 s per host);
- ``rss_growth_mb``: peak RSS growth over ``--rss-pages`` further pages.

CPU figures are the best of ``--repeat`` runs, raw and core alternating. Prints ONE JSON line.
Usage: ``.venv/bin/python benchmarks/ingest_cpu.py [--pages 300]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import static_site  # benchmarks/static_site.py, next to this file

import pipeline.ingest.fetch as fetch_stage
from pipeline.ingest import IngestContext, RunState, SourceCounts, begin_run
from pipeline.ingest.fetch import fetch_source
from pipeline.ingest.run import open_client
from scrapers.candidates import make_candidate
from scrapers.extract import main_text_and_metadata
from scrapers.sources import parse_sources
from storage.db import make_engine
from storage.migrate import upgrade


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def start_peak() -> float:
    """Current RSS in MB, with the peak (VmHWM) reset to it where Linux allows."""
    with contextlib.suppress(OSError):  # not Linux, or not allowed: peak since start
        Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_mb() -> float:
    """Peak RSS in MB since :func:`start_peak` (or since the process started)."""
    return _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def process_cpu_s(pid: int | None) -> float:
    """User + system CPU seconds of process ``pid`` so far (0 when unknown)."""
    if pid is None:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks
    return 0.0


def bench_context(url: str, base: str) -> IngestContext:
    """A fresh migrated database and an ingest context for one source on ``base``."""
    upgrade(url)
    config = parse_sources(
        {
            "fetch": {"min_interval_s": 0, "max_concurrency": 8},
            "sources": [
                {
                    "name": "bench",
                    "kind": "rss",
                    "url": f"{base}/gen/feed",
                    "allowed_hosts": ["127.0.0.1"],
                }
            ],
        }
    )
    return IngestContext(make_engine(url), config)


def page_urls(base: str, start: int, count: int) -> list[str]:
    from tests.site.generated import generated_path

    return [base + generated_path(n) for n in range(start, start + count)]


async def httpx_gets(urls: list[str]) -> None:
    """GET every URL with a plain ``httpx.AsyncClient``, 8 at a time, reading each body."""
    limiter = asyncio.Semaphore(8)
    async with httpx.AsyncClient() as client:

        async def one(url: str) -> None:
            async with limiter, client.stream("GET", url) as response:
                await response.aread()

        await asyncio.gather(*(one(url) for url in urls))


def text_and_metadata(html: bytes, url: str) -> None:
    """trafilatura's share of a stored page: text (main extractor) and metadata, one pass,
    as :func:`scrapers.extract.main_text_and_metadata` asks for them."""
    tree = trafilatura.load_html(html)
    if tree is not None:
        main_text_and_metadata(tree, url)


class StoreClock:
    """CPU of the loop's thread inside ``store_pages`` (the batches' transactions), summed.

    Wraps the name the fetch stage calls; the benchmark runs one source at a time, so the
    store's thread time is not mixed with another batch's."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.wrapped = fetch_stage.store_pages

    def __enter__(self) -> StoreClock:
        def timed(*args: Any, **kwargs: Any) -> None:
            began = time.thread_time()
            try:
                self.wrapped(*args, **kwargs)
            finally:
                self.seconds += time.thread_time() - began

        fetch_stage.store_pages = timed
        return self

    def __exit__(self, *exc: object) -> None:
        fetch_stage.store_pages = self.wrapped


def bench_run(url: str, base: str) -> RunState:
    """One run over a fresh context: the warm-up and the timed pass share its processor."""
    ctx = bench_context(url, base)
    return RunState(ctx, begin_run(ctx.engine, "bench", [ctx.config.sources[0].name]))


async def run_core(run: RunState, base: str, start: int, count: int) -> float:
    source = run.ctx.config.sources[0]
    urls = page_urls(base, start, count)
    candidates = [make_candidate(u, source.name, "rss") for u in urls]
    began = time.perf_counter()
    async with open_client(run):
        counts = await fetch_source(candidates, source, run, SourceCounts())
    elapsed = time.perf_counter() - began
    if counts.new != count:
        raise SystemExit(f"stored {counts.new} of {count} pages: the benchmark is not measuring")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--rss-pages", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best one counts")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    from tests.site.generated import generated_path

    queue: multiprocessing.Queue = multiprocessing.Queue()
    last = args.pages + 20 + args.rss_pages + 20
    paths = ["/robots.txt"] + [generated_path(n) for n in range(1, last + 1)]
    server = multiprocessing.Process(target=static_site.serve, args=(paths, queue), daemon=True)
    server.start()
    base = queue.get(timeout=120)
    try:
        urls = page_urls(base, 1, args.pages)
        with httpx.Client() as client:
            pages = [client.get(url).content for url in urls]
        trafilatura.extract(pages[0])  # warm-up (imports, caches)
        raw_cpu, meta_cpu, http_cpu, core_cpu, loop_cpu, core_wall = [], [], [], [], [], []
        store_cpu: list[float] = []
        for _ in range(args.repeat):
            began = time.process_time()
            for html in pages:
                trafilatura.extract(html)
            raw_cpu.append(time.process_time() - began)
            began = time.process_time()
            for html, url in zip(pages, urls, strict=True):
                text_and_metadata(html, url)
            meta_cpu.append(time.process_time() - began)
            began = time.process_time()
            asyncio.run(httpx_gets(urls))
            http_cpu.append(time.process_time() - began)
            gc.collect()
            with tempfile.TemporaryDirectory() as tmp:  # a fresh database: every page is new
                run = bench_run(f"sqlite:///{tmp}/bench.db", base)
                asyncio.run(run_core(run, base, args.pages + 1, 20))  # warm-up, not timed
                began, loop_began = time.process_time(), time.thread_time()
                with StoreClock() as store_clock:
                    core_wall.append(asyncio.run(run_core(run, base, 1, args.pages)))
                store_cpu.append(store_clock.seconds)
                core_cpu.append(time.process_time() - began)
                loop_cpu.append(time.thread_time() - loop_began)  # the loop runs in this thread
                run.ctx.engine.dispose()
        del pages
        gc.collect()
        with tempfile.TemporaryDirectory() as tmp:
            run = bench_run(f"sqlite:///{tmp}/bench.db", base)
            rss_before = start_peak()
            asyncio.run(run_core(run, base, args.pages + 21, args.rss_pages))
            gc.collect()
            growth = peak_mb() - rss_before
            run.ctx.engine.dispose()
    finally:
        server.terminate()
        server.join(5)
    best = core_cpu.index(min(core_cpu))

    def per_page(seconds: float) -> float:
        return seconds / args.pages * 1000

    raw_ms, core_ms = per_page(min(raw_cpu)), per_page(core_cpu[best])
    loop_ms = per_page(loop_cpu[best])
    meta_ms, http_ms = per_page(min(meta_cpu)), per_page(min(http_cpu))
    print(
        json.dumps(
            {
                "benchmark": "ingest_cpu",
                "pages": args.pages,
                "repeat": args.repeat,
                "raw_cpu_ms_per_page": round(raw_ms, 2),
                "core_cpu_ms_per_page": round(core_ms, 2),
                "cpu_ratio": round(core_ms / raw_ms, 3),
                "cpu_ratio_goal": 2.0,
                "loop_cpu_ms_per_page": round(loop_ms, 2),
                "parse_cpu_ms_per_page": round(core_ms - loop_ms, 2),
                "store_cpu_ms_per_page": round(per_page(store_cpu[best]), 2),
                "trafilatura_text_and_metadata_ms": round(meta_ms, 2),
                "httpx_get_ms": round(http_ms, 2),
                "floor_ratio": round((meta_ms + http_ms) / raw_ms, 3),
                "core_pages_per_s": round(args.pages / min(core_wall), 1),
                "rss_pages": args.rss_pages,
                "rss_growth_mb": round(growth, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
