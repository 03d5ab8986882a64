"""Soak: many ingest cycles in one process, as the in-process scheduler runs them.

The local NOS-like site (``tests/site``, in this process) serves a feed that changes every cycle
(a sliding window over the generated pages: a few new items, the rest already stored). Each
cycle calls the plain ingest driver the scheduler and the CLI call (``pipeline.ingest.run_ingest``
with a fresh ``IngestContext`` and processor). After a warm-up, this process's RSS, its open
file descriptors and the database connections are sampled; at the end every URL the feed ever
listed must be stored exactly once. Politeness interval 0 for the loopback host.

Prints one JSON line; goals: ``rss_growth_mb`` < 50, ``fds`` and ``db_connections`` constant.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, func, select, text

from pipeline.ingest import IngestContext, run_ingest
from processing.urls import canonicalize_url
from scrapers.sources import SourceConfig, SourcesConfig
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from storage.models import Article
from tests.site.generated import MAX_GENERATED, generated_path
from tests.site.server import NosSite

FEED_PATH = "/soak/feed"
GOAL_RSS_GROWTH_MB = 50.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def open_fds() -> list[str]:
    """What this process's open file descriptors point at."""
    targets = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            targets.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue  # closed meanwhile (the listing's own descriptor)
    return targets


def db_connections(engine: Engine, url: str, fds: list[str]) -> int:
    """Open connections to the database: PostgreSQL backends on it (the benchmark's own
    database, so all of them are this process's pool), or the SQLite file's open descriptors
    (database, WAL and shared memory)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            return int(conn.scalar(query) or 0)
    path = url.removeprefix("sqlite:///")
    return sum(1 for target in fds if target.startswith(path))


def window(cycle: int, size: int, step: int) -> range:
    """The generated pages the feed lists in ``cycle`` (newest first)."""
    newest = size + cycle * step
    return range(newest, newest - size, -1)


def sample(engine: Engine, url: str) -> dict[str, float]:
    gc.collect()
    fds = open_fds()
    return {"rss_mb": rss_mb(), "fds": len(fds), "db": db_connections(engine, url, fds)}


def soak(
    cycles: int, size: int, step: int, warmup: int, database_url: str | None
) -> dict[str, Any]:
    logging.basicConfig(level=logging.ERROR)
    if (size + (cycles - 1) * step) > MAX_GENERATED:
        raise SystemExit(f"the site has {MAX_GENERATED} generated pages: fewer cycles or steps")
    with tempfile.TemporaryDirectory() as tmp, NosSite() as site:
        url = database_url or f"sqlite:///{Path(tmp) / 'soak.db'}"
        upgrade(url)
        engine = make_engine(url)
        source = SourceConfig(
            name="soak", kind="rss", url=site.url(FEED_PATH), allowed_hosts=site.hosts
        )
        config = SourcesConfig(fetch=site.fetch_config(min_interval_s=0.0), sources=(source,))
        listed: set[str] = set()
        statuses: dict[str, int] = {}
        start = before = None
        began = time.perf_counter()
        for cycle in range(cycles):
            numbers = window(cycle, size, step)
            site.add_generated_feed(FEED_PATH, numbers)
            site.reset_log()  # the site's request log would grow with the soak, not ours
            listed.update(canonicalize_url(site.url(generated_path(n))) for n in numbers)
            ctx = IngestContext(engine, config, trigger="schedule")
            report = run_ingest(ctx)
            statuses[report.status] = statuses.get(report.status, 0) + 1
            if cycle + 1 == warmup:
                before, start = sample(engine, url), time.perf_counter()
        after = sample(engine, url)
        elapsed = time.perf_counter() - (start or began)
        with session_scope(engine) as session:
            rows = session.scalar(select(func.count()).select_from(Article)) or 0
            stored = set(session.scalars(select(Article.canonical_url)))
        engine.dispose()
    assert before is not None
    growth = after["rss_mb"] - before["rss_mb"]
    return {
        "benchmark": "soak",
        "backend": "postgresql" if url.startswith("postgresql") else "sqlite",
        "cycles": cycles,
        "new_per_cycle": step,
        "feed_items": size,
        "seconds_per_cycle": round(elapsed / max(1, cycles - warmup), 4),
        "run_status": statuses,
        "listed": len(listed),
        "stored_rows": rows,
        "stored_once": rows == len(stored) and stored == listed,
        "rss_mb_after_warmup": round(before["rss_mb"], 1),
        "rss_mb_end": round(after["rss_mb"], 1),
        "rss_growth_mb": round(growth, 1),
        "rss_goal_met": growth < GOAL_RSS_GROWTH_MB,
        "fds": [before["fds"], after["fds"]],
        "db_connections": [before["db"], after["db"]],
        "constant": before["fds"] == after["fds"] and before["db"] == after["db"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--feed-items", type=int, default=20, help="items in the feed")
    parser.add_argument("--new", type=int, default=2, help="new items per cycle")
    parser.add_argument("--warmup", type=int, default=20, help="cycles before the first sample")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    result = soak(args.cycles, args.feed_items, args.new, args.warmup, args.database_url)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
