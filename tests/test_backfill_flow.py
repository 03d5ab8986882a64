"""The backfill flow: day by day, resumable after a kill, clear failures for bad parameters."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from flows.backfill_flow import backfill
from flows.settings import get_settings
from storage.db import make_engine, session_scope
from storage.models import Article, CrawlProgress
from storage.progress import DONE
from tests.conftest import REPO_ROOT, SEEDS_DIR
from tests.flow_site import FlowSite, consecutive_days, running_site
from tests.prefect_fixtures import stop_process

DAYS = consecutive_days(date(2024, 3, 1), 6)
PER_DAY = 4


@pytest.fixture
def site() -> Iterator[FlowSite]:
    with running_site(FlowSite(days=DAYS, per_day=PER_DAY)) as running:
        yield running


@pytest.fixture
def newsmon_env(
    site: FlowSite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str
) -> dict[str, str]:
    env = {
        "NEWSMON_DATABASE_URL": sqlite_url,
        "NEWSMON_DATA_DIR": str(tmp_path / "data"),
        "NEWSMON_SEEDS_DIR": str(SEEDS_DIR),
        "NEWSMON_SOURCES_FILE": str(site.sources_toml(tmp_path / "sources.toml", 0.05)),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    return env


def _stored(url: str) -> tuple[int, int, list[tuple[date, str]]]:
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            n = session.scalar(select(func.count()).select_from(Article)) or 0
            distinct = session.scalar(select(func.count(func.distinct(Article.canonical_url)))) or 0
            rows = session.execute(
                select(CrawlProgress.day, CrawlProgress.status).order_by(CrawlProgress.day)
            ).all()
            return n, distinct, [(r.day, r.status) for r in rows]
    finally:
        engine.dispose()


@pytest.mark.usefixtures("prefect_harness")
def test_backfill_walks_each_day_and_a_second_run_skips_them(
    newsmon_env: dict[str, str], site: FlowSite
) -> None:
    summary = backfill(start=DAYS[0], end=DAYS[2], sources=["nos-archief"], refetch=False)
    assert (summary["days_done"], summary["days_failed"], summary["new"]) == (3, 0, 3 * PER_DAY)
    n, distinct, progress = _stored(newsmon_env["NEWSMON_DATABASE_URL"])
    assert n == distinct == 3 * PER_DAY
    assert progress == [(day, DONE) for day in DAYS[:3]]

    again = backfill(start=DAYS[0], end=DAYS[3])  # sources empty = all, refetch off
    assert (again["days_skipped"], again["days_done"], again["new"]) == (3, 1, PER_DAY)
    assert site.article_requests == 4 * PER_DAY


@pytest.mark.usefixtures("prefect_harness")
def test_a_day_missing_from_the_archive_fails_and_is_walked_again(
    newsmon_env: dict[str, str],
) -> None:
    summary = backfill(start=date(2024, 2, 29), end=DAYS[0])
    assert (summary["days_done"], summary["days_failed"]) == (1, 1)
    _, _, progress = _stored(newsmon_env["NEWSMON_DATABASE_URL"])
    assert progress == [(date(2024, 2, 29), "failed"), (DAYS[0], DONE)]
    again = backfill(start=date(2024, 2, 29), end=DAYS[0])
    assert (again["days_skipped"], again["days_failed"]) == (1, 1)


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize(
    ("start", "end", "sources", "message"),
    [
        (DAYS[2], DAYS[0], [], "is before start date"),
        (date(2024, 1, 1), date(2024, 3, 1), [], "the configured maximum is 31 days"),
    ],
)
def test_invalid_parameters_fail_the_run_at_once(
    newsmon_env: dict[str, str],
    site: FlowSite,
    start: date,
    end: date,
    sources: list[str],
    message: str,
) -> None:
    state = backfill(start=start, end=end, sources=sources, return_state=True)
    assert state.is_failed()
    assert message in (state.message or "")
    assert site.article_requests == 0


@pytest.mark.usefixtures("prefect_harness")
def test_an_unknown_source_fails_the_run(newsmon_env: dict[str, str], site: FlowSite) -> None:
    state = backfill(start=DAYS[0], end=DAYS[0], sources=["nos-rss"], return_state=True)
    assert state.is_failed()
    assert "nos-rss" in (state.message or "") or "nos-archief" in (state.message or "")
    assert site.article_requests == 0


def test_a_backfill_killed_half_way_and_run_again_stores_every_article_once(
    newsmon_env: dict[str, str], site: FlowSite, prefect_harness: str, tmp_path: Path
) -> None:
    site.delay_s = 0.4  # slow articles, so the kill lands in the middle of the range
    env = {**os.environ, **newsmon_env, "PREFECT_API_URL": prefect_harness}
    log = tmp_path / "backfill.log"
    command = [sys.executable, "-m", "flows.cli", "backfill", "2024-03-01", "2024-03-06"]
    url = newsmon_env["NEWSMON_DATABASE_URL"]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            _, _, progress = _stored(url)
            if len(progress) >= 2:
                break
            time.sleep(0.1)
        assert proc.poll() is None, log.read_text()[-3000:]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        stop_process(proc)
    n_killed, _, progress = _stored(url)
    assert 2 <= len(progress) < len(DAYS), log.read_text()[-3000:]
    assert n_killed < len(DAYS) * PER_DAY

    summary = backfill(start=DAYS[0], end=DAYS[-1])
    assert summary["days_skipped"] == len(progress)
    n, distinct, progress = _stored(url)
    assert n == distinct == len(DAYS) * PER_DAY
    assert progress == [(day, DONE) for day in DAYS]
