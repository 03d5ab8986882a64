"""Politeness across processes: two ``newsmon ingest`` processes at once never hit a host faster
than the configured interval, judged from the local site's own request log.

With ``NEWSMON_PACER=database`` both processes reserve request slots in ``host_leases``; a
control run with ``NEWSMON_PACER=memory`` shows the same measurement does catch the overlap.
"""

from __future__ import annotations

import itertools
import os
import statistics
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.site.server import NosSite, RequestRecord

INTERVAL = 0.2
# Loopback and scheduling jitter the host-side log may show: the time from a reserved slot to
# the request reaching the server differs between processes (most for a cold process's first
# request). The database pacer pads every slot by GUARD_S (50 ms) to absorb it.
TOLERANCE = 0.03
ARTICLES = 12
TIMEOUT_S = 120

pytestmark = pytest.mark.slow


@pytest.fixture
def site() -> Iterator[NosSite]:
    with NosSite() as running:
        yield running


def _sources_file(path: Path, site: NosSite, agent: str, first: int) -> Path:
    """A feed of generated articles on the site, its own for each process (two processes never
    fetch one article twice: they claim it first); the User-Agent tells the processes apart."""
    path.write_text(
        f"""
[fetch]
user_agent = "{agent}/0.1 (+https://example.org/newsmon)"
min_interval_s = {INTERVAL}
max_concurrency = 4
timeout_s = 5
retries = 0

[[sources]]
name = "gen-feed"
kind = "rss"
url = "{site.url(f"/gen/feed?count={ARTICLES}&first={first}")}"
allowed_hosts = ["{site.host}"]
""",
        encoding="utf-8",
    )
    return path


def _run_two_ingests(site: NosSite, database_url: str, pacer: str, tmp_path: Path) -> None:
    """Start two ingest processes at once and wait for both (killed on any failure)."""
    procs: list[subprocess.Popen[str]] = []
    try:
        for agent, first in (("proc-a", 1), ("proc-b", 1 + ARTICLES)):
            env = {
                **os.environ,
                "NEWSMON_DATABASE_URL": database_url,
                "NEWSMON_DATA_DIR": str(tmp_path / "data"),
                "NEWSMON_SOURCES_FILE": str(
                    _sources_file(tmp_path / f"{agent}.toml", site, agent, first)
                ),
                "NEWSMON_PACER": pacer,
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            }
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "cli.main", "ingest"],
                    cwd=REPO_ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
        for proc in procs:
            output, _ = proc.communicate(timeout=TIMEOUT_S)
            assert proc.returncode == 0, output
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)


def _gaps(records: list[RequestRecord]) -> list[float]:
    starts = sorted(r.t for r in records)
    return [later - earlier for earlier, later in itertools.pairwise(starts)]


def _agents(records: list[RequestRecord]) -> str:
    return "".join((r.user_agent or "?")[5] for r in sorted(records, key=lambda r: r.t))


def test_two_ingest_processes_share_the_per_host_interval(
    site: NosSite, database_url: str, tmp_path: Path
) -> None:
    _run_two_ingests(site, database_url, "database", tmp_path)

    records = [r for r in site.requests() if r.host == site.host]
    agents = _agents(records)
    # Both processes fetched (robots.txt, the feed, articles), and at the same time.
    assert agents.count("a") >= 3 and agents.count("b") >= 3, agents
    assert "ab" in agents and "ba" in agents, agents
    assert len(site.requests(prefix="/gen/artikel/")) >= 2 * ARTICLES
    gaps = _gaps(records)
    assert min(gaps) >= INTERVAL - TOLERANCE
    assert statistics.median(gaps) >= INTERVAL


def test_without_the_shared_pacer_the_processes_overlap(
    site: NosSite, sqlite_url: str, tmp_path: Path
) -> None:
    """Control: each process only paces itself, and the log shows requests closer together."""
    _run_two_ingests(site, sqlite_url, "memory", tmp_path)

    records = [r for r in site.requests() if r.host == site.host]
    assert min(_gaps(records)) < INTERVAL - TOLERANCE
