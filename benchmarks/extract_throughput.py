"""Extraction throughput: raw ``trafilatura.extract`` vs the ingest core's fetch+extract+store.

Serves the generated NOS-like article pages of ``tests/site`` (``/gen/artikel/<n>-…``) on
loopback from a separate process (so the server does not compete with the pipeline for the
GIL), then measures on the same HTML:

- ``raw_pages_per_s``: ``trafilatura.extract`` on the page bytes, nothing else;
- ``core_pages_per_s``: ``afetch_source``, as ``newsmon ingest`` runs a source: chunks of 50
  (the Prefect task size), the next chunk's fetches overlapping the previous one's last parses;
  polite fetch (interval 0 for the benchmark host), decode, extract, text hash, MinHash and
  tagging (in the parsing worker processes, ``parse_workers``: one per core), date checks,
  dedup, stories, store in SQLite;
- ``ratio`` (goal >= 0.85) and ``rss_growth_mb``: peak RSS growth over 2,000 pages through the
  core (goal < 300 MB), of this process plus the parsing workers (``worker_rss_growth_mb``);
- where the time goes: CPU ms per page of this process (event loop: HTTP, store), of the
  workers and of the page server (all share the machine's cores), the wall time inside
  ``pipeline.store_batch.store_batch`` per page, and the pages/s with that time taken out
  (``fetch_extract_*``; fetching and parsing overlap the store, so this is only an upper bound
  of what a faster store would give).

Both rates are the best of ``--repeat`` timed runs (default 5; the core's each on a fresh
database), raw and core runs alternating, as the machine's speed drifts and single runs vary by
ten to twenty percent.

Prints ONE JSON line. Usage: ``.venv/bin/python benchmarks/extract_throughput.py [--pages 500]``.
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
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import static_site  # benchmarks/static_site.py, next to this file

from pipeline import ingest_pages
from pipeline.ingest import IngestContext, SourceCounts, afetch_source, open_client
from pipeline.ingest_workers import extract_pool_pids, shutdown_extract_pool
from scrapers.candidates import make_candidate
from scrapers.sources import parse_sources
from storage.db import make_engine
from storage.migrate import upgrade


def serve(port_queue: multiprocessing.Queue) -> None:
    """Run the test site (``tests/site``) in this child process until terminated."""
    from tests.site.server import NosSite

    site = NosSite().start()
    port_queue.put(site.base_url)
    threading.Event().wait()


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


def worker_status_mb(field: str) -> float:
    """Sum of a /proc status field (VmRSS, VmHWM) over the parsing worker processes, in MB."""
    total = 0.0
    for pid in extract_pool_pids():
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    total += int(line.split()[1]) / 1024
    return total


def worker_reset_peaks() -> float:
    """Reset the workers' peak RSS (where Linux allows); return their current RSS in MB."""
    for pid in extract_pool_pids():
        with contextlib.suppress(OSError):
            Path(f"/proc/{pid}/clear_refs").write_text("5")
    return worker_status_mb("VmRSS")


def worker_cpu_s() -> float:
    """User + system CPU seconds of the parsing worker processes so far."""
    return sum(process_cpu_s(pid) for pid in extract_pool_pids())


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


async def run_core(ctx: IngestContext, base: str, start: int, count: int) -> float:
    source = ctx.config.sources[0]
    urls = page_urls(base, start, count)
    candidates = [make_candidate(u, source.name, "rss") for u in urls]
    began = time.perf_counter()
    async with open_client(ctx):
        counts = await afetch_source(candidates, source, ctx, SourceCounts())
    elapsed = time.perf_counter() - began
    if counts.new != count:
        raise SystemExit(f"stored {counts.new} of {count} pages: the benchmark is not measuring")
    return elapsed


STORE_SECONDS = [0.0]


def time_store() -> None:
    """Count the time spent in ``store_batch`` (inserts, dedup, stories, tags)."""
    real = ingest_pages.store_batch

    def timed(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            STORE_SECONDS[0] += time.perf_counter() - began

    ingest_pages.store_batch = timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--rss-pages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs; the best one counts")
    parser.add_argument(
        "--server",
        choices=("static", "site"),
        default="static",
        help="static: the test site's pages replayed by a fast server (benchmarks/static_site.py);"
        " site: the test site itself (a threaded stdlib server, CPU-heavy per page)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    queue: multiprocessing.Queue = multiprocessing.Queue()
    if args.server == "static":
        from tests.site.generated import generated_path

        last = args.pages + 20 + args.rss_pages + 20
        paths = ["/robots.txt"] + [generated_path(n) for n in range(1, last + 1)]
        server = multiprocessing.Process(target=static_site.serve, args=(paths, queue), daemon=True)
    else:
        server = multiprocessing.Process(target=serve, args=(queue,), daemon=True)
    server.start()
    base = queue.get(timeout=120)
    try:
        # Pages 1..N are timed; N+1.. warm up; the RSS run uses later pages (all distinct).
        with httpx.Client() as client:
            pages = [client.get(url).content for url in page_urls(base, 1, args.pages)]
        trafilatura.extract(pages[0])  # warm-up (imports, caches)
        time_store()
        raw_seconds = []
        runs = []
        # Raw and core runs alternate, so a drift in the machine's speed (it wanders by 20%
        # within minutes here) weighs on both rates alike.
        for _ in range(args.repeat):
            began = time.perf_counter()
            for html in pages:
                trafilatura.extract(html)
            raw_seconds.append(time.perf_counter() - began)
            gc.collect()
            with tempfile.TemporaryDirectory() as tmp:  # a fresh database: every page is new
                ctx = bench_context(f"sqlite:///{tmp}/bench.db", base)
                asyncio.run(run_core(ctx, base, args.pages + 1, 20))  # warm-up, not timed
                STORE_SECONDS[0] = 0.0
                cpu_before, worker_before = time.process_time(), worker_cpu_s()
                server_before = process_cpu_s(server.pid)
                elapsed = asyncio.run(run_core(ctx, base, 1, args.pages))
                runs.append(
                    {
                        "elapsed": elapsed,
                        "main": time.process_time() - cpu_before,
                        "worker": worker_cpu_s() - worker_before,
                        "server": process_cpu_s(server.pid) - server_before,
                        "store": STORE_SECONDS[0],
                    }
                )
                ctx.engine.dispose()
        raw_rate = len(pages) / min(raw_seconds)
        del pages
        best = min(runs, key=lambda run: run["elapsed"])
        elapsed, store_s = best["elapsed"], best["store"]
        core_rate = args.pages / elapsed
        gc.collect()
        with tempfile.TemporaryDirectory() as tmp:
            ctx = bench_context(f"sqlite:///{tmp}/bench.db", base)
            rss_before, worker_rss_before = start_peak(), worker_reset_peaks()
            asyncio.run(run_core(ctx, base, args.pages + 21, args.rss_pages))
            gc.collect()
            main_growth = peak_mb() - rss_before
            worker_growth = worker_status_mb("VmHWM") - worker_rss_before
            ctx.engine.dispose()
    finally:
        shutdown_extract_pool()
        server.terminate()
        server.join(5)
    print(
        json.dumps(
            {
                "benchmark": "extract_throughput",
                "pages": args.pages,
                "server": args.server,
                "raw_pages_per_s": round(raw_rate, 1),
                "core_pages_per_s": round(core_rate, 1),
                "ratio": round(core_rate / raw_rate, 3),
                "ratio_goal": 0.85,
                "parse_workers": ctx.extract_workers,
                "repeat": args.repeat,
                "main_cpu_ms_per_page": round(best["main"] / args.pages * 1000, 2),
                "worker_cpu_ms_per_page": round(best["worker"] / args.pages * 1000, 2),
                "server_cpu_ms_per_page": round(best["server"] / args.pages * 1000, 2),
                "raw_extract_ms_per_page": round(1000 / raw_rate, 2),
                "store_ms_per_page": round(store_s / args.pages * 1000, 1),
                "fetch_extract_pages_per_s": round(args.pages / (elapsed - store_s), 1),
                "fetch_extract_ratio": round(args.pages / (elapsed - store_s) / raw_rate, 3),
                "rss_pages": args.rss_pages,
                "rss_growth_mb": round(main_growth + worker_growth, 1),
                "worker_rss_growth_mb": round(worker_growth, 1),
                "rss_goal_mb": 300,
            }
        )
    )


if __name__ == "__main__":
    main()
