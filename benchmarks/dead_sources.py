"""``newsmon ingest`` with many sources on a refused port: how long a run takes, and how soon
it stops after SIGTERM (goals for 10,000 sources: under 60 s, and exit within 5 s of SIGTERM).

Every source is an RSS feed on 127.0.0.1 at a port nothing listens on (connection refused at
once), with ``min_interval_s = 0`` and no retries, on a migrated SQLite database in a temporary
folder. The first run goes to the end; the second gets SIGTERM ``--term-after`` seconds after
its first fetch was logged and is timed to its exit.
Prints ONE JSON line.
Usage: ``.venv/bin/python benchmarks/dead_sources.py [--sources 10000] [--term-after 2]``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FETCH = """[fetch]
min_interval_s = 0
timeout_s = 2
retries = 0
backoff_base_s = 0.05
backoff_max_s = 0.1
"""


def refused_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def write_sources(path: Path, count: int, port: int) -> None:
    parts = [FETCH]
    for i in range(count):
        parts.append(
            f'[[sources]]\nname = "dead-{i}"\nkind = "rss"\n'
            f'url = "http://127.0.0.1:{port}/feed/{i}"\nallowed_hosts = ["127.0.0.1"]\n'
        )
    path.write_text("\n".join(parts), encoding="utf-8")


def newsmon(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli.main", *args]


def full_run(env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and exit code of one whole ``newsmon ingest``."""
    began = time.perf_counter()
    done = subprocess.run(newsmon("ingest"), env=env, cwd=ROOT, capture_output=True, check=False)
    return time.perf_counter() - began, done.returncode


def fetched_rows(db: Path) -> int:
    """Rows in the run's fetch log so far (0 while the table is missing or locked)."""
    try:
        with sqlite3.connect(db, timeout=0.2) as connection:
            return int(connection.execute("SELECT count(*) FROM fetch_log").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def terminated_run(env: dict[str, str], db: Path, term_after: float) -> tuple[float, int, float]:
    """Seconds from SIGTERM to exit, the exit code, and when SIGTERM was sent (``term_after``
    seconds after the run's first fetch was logged)."""
    began = time.perf_counter()
    process = subprocess.Popen(
        newsmon("ingest"), env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    before = fetched_rows(db)
    while fetched_rows(db) <= before and process.poll() is None:
        time.sleep(0.05)
    time.sleep(term_after)
    sent = time.perf_counter()
    process.send_signal(signal.SIGTERM)
    code = process.wait()
    return time.perf_counter() - sent, code, sent - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument("--term-after", type=float, default=2.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        write_sources(tmp / "sources.toml", args.sources, refused_port())
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
        env.update(
            NEWSMON_DATABASE_URL=f"sqlite:///{tmp / 'n.db'}",
            NEWSMON_DATA_DIR=str(tmp / "data"),
            NEWSMON_SOURCES_FILE=str(tmp / "sources.toml"),
            NEWSMON_SEEDS_DIR=str(ROOT / "seeds"),
            NEWSMON_TOPICS_FILE=str(ROOT / "config" / "topics.toml"),
            NEWSMON_ALERTS_FILE=str(tmp / "no-alerts.toml"),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            COLUMNS="120",
        )
        subprocess.run(newsmon("db", "upgrade"), env=env, cwd=ROOT, check=True, capture_output=True)
        seconds, code = full_run(env)
        stop_s, stop_code, sent_at = terminated_run(env, tmp / "n.db", args.term_after)
    print(
        json.dumps(
            {
                "benchmark": "dead_sources",
                "sources": args.sources,
                "ingest_s": round(seconds, 1),
                "ingest_exit": code,
                "sigterm_after_s": round(sent_at, 1),
                "sigterm_to_exit_s": round(stop_s, 2),
                "sigterm_exit": stop_code,
            }
        )
    )


if __name__ == "__main__":
    main()
