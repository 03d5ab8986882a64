"""Prefect overhead: the same local pages through the ``ingest`` flow and the plain stages.

Serves ``tests/site``'s generated feed of N pages (default 500) on loopback from a separate
process, then ingests it into a fresh SQLite database each time:

- ``plain_s``: ``pipeline.ingest.run_ingest`` (discovery, then chunks of 50, no Prefect);
- ``flow_s``: the ``ingest`` flow (one discovery task, one task per chunk of 50, artifacts,
  run bookkeeping) on Prefect's ephemeral local API, already started by a warm-up run;
- ``overhead`` = flow_s / plain_s - 1 (goal <= 0.10). The best of ``--repeat`` runs counts.

Prints ONE JSON line. Usage: ``.venv/bin/python benchmarks/prefect_overhead.py [--pages 500]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from composition.settings import get_settings
from pipeline.ingest import IngestContext, run_ingest
from scrapers.sources import SourcesConfig, parse_sources
from storage.db import make_engine
from storage.migrate import upgrade

SOURCE = "gen-feed"


def serve(base_queue: multiprocessing.Queue) -> None:
    """Run the test site in this child process until terminated (no GIL contention)."""
    from tests.site.server import NosSite

    site = NosSite().start()
    base_queue.put(site.base_url)
    threading.Event().wait()


def sources(base: str, pages: int) -> SourcesConfig:
    return parse_sources(
        {
            "fetch": {"min_interval_s": 0, "max_concurrency": 8, "retries": 0},
            "sources": [
                {
                    "name": SOURCE,
                    "kind": "rss",
                    "url": f"{base}/gen/feed?count={pages}",
                    "allowed_hosts": ["127.0.0.1"],
                }
            ],
        }
    )


def write_sources(base: str, pages: int, path: Path) -> Path:
    path.write_text(
        f"""[fetch]
min_interval_s = 0
max_concurrency = 8
retries = 0

[[sources]]
name = "{SOURCE}"
kind = "rss"
url = "{base}/gen/feed?count={pages}"
allowed_hosts = ["127.0.0.1"]
""",
        encoding="utf-8",
    )
    return path


def fresh_db(tmp: Path, name: str) -> str:
    url = f"sqlite:///{tmp / name}.db"
    upgrade(url)
    return url


def run_plain(url: str, config: SourcesConfig, pages: int) -> float:
    engine = make_engine(url)
    began = time.perf_counter()
    report = run_ingest(IngestContext(engine, config, trigger="bench"), [SOURCE])
    elapsed = time.perf_counter() - began
    engine.dispose()
    if report.sources[SOURCE].new != pages:
        raise SystemExit(f"plain run stored {report.sources[SOURCE].new} of {pages} pages")
    return elapsed


def run_flow(url: str, pages: int) -> float:
    from flows.ingest_flow import ingest

    os.environ["NEWSMON_DATABASE_URL"] = url
    get_settings.cache_clear()
    began = time.perf_counter()
    summary = ingest(sources=[SOURCE], seeds=False)
    assert isinstance(summary, dict), summary  # a failed source would end the run Partial
    elapsed = time.perf_counter() - began
    new = summary["sources"][SOURCE]["new"]
    if new != pages:
        raise SystemExit(f"flow run stored {new} of {pages} pages")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    queue: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(queue,), daemon=True)
    server.start()
    base = queue.get(timeout=30)
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            config = sources(base, args.pages)
            os.environ["NEWSMON_SOURCES_FILE"] = str(
                write_sources(base, args.pages, tmp / "s.toml")
            )
            os.environ["NEWSMON_DATA_DIR"] = str(tmp / "data")
            began = time.perf_counter()
            run_flow(fresh_db(tmp, "warm-flow"), args.pages)  # starts the ephemeral API
            first_flow = time.perf_counter() - began
            run_plain(fresh_db(tmp, "warm-plain"), config, args.pages)  # warm caches
            plain, flow = [], []
            for i in range(args.repeat):
                plain.append(run_plain(fresh_db(tmp, f"plain{i}"), config, args.pages))
                flow.append(run_flow(fresh_db(tmp, f"flow{i}"), args.pages))
    finally:
        server.terminate()
        server.join(5)
    best_plain, best_flow = min(plain), min(flow)
    print(
        json.dumps(
            {
                "benchmark": "prefect_overhead",
                "pages": args.pages,
                "plain_s": round(best_plain, 2),
                "flow_s": round(best_flow, 2),
                "overhead": round(best_flow / best_plain - 1, 3),
                "overhead_goal": 0.10,
                "plain_runs_s": [round(x, 2) for x in plain],
                "flow_runs_s": [round(x, 2) for x in flow],
                "first_flow_with_api_start_s": round(first_flow, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
