"""``newsmon ingest`` with many sources on a refused port: how long a run takes, and how soon
it stops after SIGTERM (goals for 10,000 sources: under 60 s, and exit within 5 s of SIGTERM).

Every source is an RSS feed on 127.0.0.1 at a port nothing listens on (connection refused at
once), with ``min_interval_s = 0`` and no retries, on a migrated SQLite database in a temporary
folder. The first run goes to the end (wall and CPU seconds); then one run per
``--term-after`` delay gets SIGTERM that long after its run row is written, timed to its exit.
Prints ONE JSON line.
Usage: ``.venv/bin/python benchmarks/dead_sources.py [--sources 10000] [--term-after 0.5,2,4]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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


def children_cpu_s() -> float:
    """CPU seconds (user + system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def full_run(env: dict[str, str]) -> tuple[float, int, float]:
    """Wall seconds, exit code and CPU seconds of one whole ``newsmon ingest`` (the machine is
    shared: CPU time says what the run itself cost)."""
    cpu = children_cpu_s()
    began = time.perf_counter()
    done = subprocess.run(newsmon("ingest"), env=env, cwd=ROOT, capture_output=True, check=False)
    return time.perf_counter() - began, done.returncode, children_cpu_s() - cpu


def scalar(db: Path, sql: str) -> int | str | None:
    """One value from the run's SQLite file (None while the table is missing or locked)."""
    try:
        with sqlite3.connect(db, timeout=0.2) as connection:
            row = connection.execute(sql).fetchone()
            return row[0] if row else None
    except sqlite3.OperationalError:
        return None


def terminated_run(env: dict[str, str], db: Path, term_after: float) -> dict[str, Any]:
    """One run that gets SIGTERM ``term_after`` seconds after its run row was written (the
    sources are then being registered, fetched or recorded, by the delay): when SIGTERM was
    sent (seconds from start), seconds to exit, the exit code and the run's recorded status."""
    began = time.perf_counter()
    last = "SELECT max(id) FROM ingest_runs"
    before = scalar(db, last) or 0
    process = subprocess.Popen(
        newsmon("ingest"), env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    while (scalar(db, last) or 0) == before and process.poll() is None:
        time.sleep(0.02)
    time.sleep(term_after)
    sent = time.perf_counter()
    process.send_signal(signal.SIGTERM)
    code = process.wait()
    return {
        "sent_s": round(sent - began, 1),
        "to_exit_s": round(time.perf_counter() - sent, 2),
        "exit": code,
        "recorded": scalar(db, "SELECT status FROM ingest_runs ORDER BY id DESC LIMIT 1"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument(
        "--term-after",
        default="0.5,2,4",
        help="seconds after the run row is written to send SIGTERM (one run each)",
    )
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
        seconds, code, cpu_s = full_run(env)
        delays = [float(part) for part in args.term_after.split(",")]
        stops = [terminated_run(env, tmp / "n.db", delay) for delay in delays]
    print(
        json.dumps(
            {
                "benchmark": "dead_sources",
                "sources": args.sources,
                "ingest_s": round(seconds, 1),
                "ingest_exit": code,
                "ingest_cpu_s": round(cpu_s, 1),
                "sigterm_to_exit_max_s": max(stop["to_exit_s"] for stop in stops),
                "sigterm": stops,
            }
        )
    )


if __name__ == "__main__":
    main()
