"""Thousands of dead sources: SIGTERM stops ``newsmon ingest`` within seconds in any phase,
and the run is recorded as interrupted; a whole run prints a bounded summary (failed sources
first, the rest counted) while ``--json`` lists every source (the time of a whole run is
benchmarks/dead_sources.py)."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.dead_sources import refused_port, write_sources
from cli.ingest_summary import SUMMARY_ROWS
from tests import cli_process
from tests.conftest import REPO_ROOT

SOURCES = 3000
STOP_BOUND_S = 15  # generous: the goal (5 s) is measured by the benchmark


def scalar(db: Path, sql: str) -> int:
    """One number from the run's SQLite file (0 while the table is not there or locked)."""
    try:
        with sqlite3.connect(db, timeout=0.2) as connection:
            return int(connection.execute(sql).fetchone()[0] or 0)
    except sqlite3.OperationalError:
        return 0


def wait_for(check: Callable[[], bool], process: subprocess.Popen[str], limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    while not check():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the run never got there"
        time.sleep(0.05)


def start_ingest(
    tmp_path: Path, *args: str, sources_n: int = SOURCES
) -> tuple[subprocess.Popen[str], Path]:
    tmp_path.mkdir(exist_ok=True)
    sources = tmp_path / "sources.toml"
    write_sources(sources, sources_n, refused_port())
    db = tmp_path / "n.db"
    env = cli_process.cli_env(
        f"sqlite:///{db}",
        sources,
        tmp_path / "data",
        NEWSMON_TOPICS_FILE=str(REPO_ROOT / "config" / "topics.toml"),
    )
    assert cli_process.run(env, "db", "upgrade").returncode == 0
    return cli_process.start(env, "ingest", *args), db


def stop(process: subprocess.Popen[str]) -> tuple[float, str]:
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        _, stderr = process.communicate(timeout=STOP_BOUND_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"still running {STOP_BOUND_S} s after SIGTERM")
    return time.monotonic() - sent, stderr


@pytest.mark.slow
def test_sigterm_while_the_sources_are_registered_stops_and_records_the_run(
    tmp_path: Path,
) -> None:
    process, db = start_ingest(tmp_path)
    wait_for(lambda: scalar(db, "SELECT count(*) FROM ingest_runs") > 0, process, 120)
    _, stderr = stop(process)
    assert process.returncode == 143, stderr
    assert "interrupted by SIGTERM" in stderr
    assert scalar(db, "SELECT count(*) FROM ingest_runs WHERE status = 'interrupted'") == 1
    assert scalar(db, "SELECT count(*) FROM ingest_runs WHERE status = 'running'") == 0


@pytest.mark.slow
def test_sigterm_while_fetching_thousands_of_dead_sources_stops_within_seconds(
    tmp_path: Path,
) -> None:
    process, db = start_ingest(tmp_path)
    wait_for(lambda: scalar(db, "SELECT count(*) FROM fetch_log") > 0, process, 300)
    _, stderr = stop(process)
    assert process.returncode == 143, stderr
    assert scalar(db, "SELECT count(*) FROM ingest_runs WHERE status = 'interrupted'") == 1
    assert len([line for line in stderr.splitlines() if line.strip()]) <= 10, stderr


@pytest.mark.slow
def test_a_whole_run_of_dead_sources_lists_a_few_and_counts_the_rest(tmp_path: Path) -> None:
    process, db = start_ingest(tmp_path / "table", sources_n=SUMMARY_ROWS + 30)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 2, stderr  # every source failed
    listed = [line for line in stdout.splitlines() if re.match(r"dead-\d+ +unreachable", line)]
    reasons = [line for line in stdout.splitlines() if re.match(r"dead-\d+: connect_error", line)]
    assert len(listed) == len(reasons) == SUMMARY_ROWS, stdout
    assert "30 more sources: 30 unreachable (--json lists every source)" in stdout
    assert scalar(db, "SELECT count(*) FROM fetch_log") == SUMMARY_ROWS + 30

    process, _ = start_ingest(tmp_path / "json", "--json", sources_n=SUMMARY_ROWS + 30)
    stdout, stderr = process.communicate(timeout=120)
    summary = json.loads(stdout.splitlines()[-1])
    assert len(summary["sources"]) == SUMMARY_ROWS + 30, stderr
    assert {row["status"] for row in summary["sources"]} == {"unreachable"}
