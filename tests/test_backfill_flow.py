"""The backfill flow: day by day, resumable after a kill, clear failures for bad parameters."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from sqlalchemy import func, select

from composition.settings import get_settings
from flows.backfill_flow import backfill
from processing.urls import canonicalize_url
from storage.db import make_engine, session_scope
from storage.models import Article, CrawlProgress
from storage.progress import DONE
from storage.sources import list_sources
from tests.conftest import REPO_ROOT, SEEDS_DIR
from tests.flow_site import FlowSite, consecutive_days, running_site
from tests.prefect_fixtures import stop_process, write_sources_toml
from tests.site.content import ARCHIVE_DAYS, catalogue
from tests.site.server import NosSite

DAYS = consecutive_days(date(2024, 3, 1), 6)
PER_DAY = 4


@pytest.fixture
def flow_site() -> Iterator[FlowSite]:
    with running_site(FlowSite(days=DAYS, per_day=PER_DAY)) as running:
        yield running


@pytest.fixture
def newsmon_env(
    flow_site: FlowSite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str
) -> dict[str, str]:
    env = {
        "NEWSMON_DATABASE_URL": sqlite_url,
        "NEWSMON_DATA_DIR": str(tmp_path / "data"),
        "NEWSMON_SEEDS_DIR": str(SEEDS_DIR),
        "NEWSMON_SOURCES_FILE": str(flow_site.sources_toml(tmp_path / "sources.toml", 0.05)),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    return env


def _run_artifacts(flow_run_id: Any) -> list[Any]:
    async def read() -> list[Any]:
        async with get_client() as client:
            return list(
                await client.read_artifacts(
                    artifact_filter=ArtifactFilter(
                        flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])
                    )
                )
            )

    return asyncio.run(read())


def _stored_urls(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            return set(session.scalars(select(Article.canonical_url)))
    finally:
        engine.dispose()


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


@pytest.fixture
def nos_env(site: NosSite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str) -> str:
    """NEWSMON_* pointing at the local NOS-like site (archive, sitemap, feeds) and a tmp DB."""
    sources = write_sources_toml(site.sources_config(), tmp_path / "sources.toml")
    monkeypatch.setenv("NEWSMON_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEWSMON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSMON_SOURCES_FILE", str(sources))
    get_settings.cache_clear()
    return sqlite_url


def _expected_urls(site: NosSite, days: list[date]) -> set[str]:
    return {
        canonicalize_url(site.url(article.path))
        for day in days
        for article in catalogue().on_day(day)
        if article.kind == "artikel"
    }


@pytest.mark.usefixtures("prefect_harness")
def test_backfill_walks_archive_and_sitemap_day_by_day_and_a_second_run_skips_them(
    nos_env: str, site: NosSite
) -> None:
    first, second = ARCHIVE_DAYS[0], ARCHIVE_DAYS[1]
    days = consecutive_days(first, (second - first).days + 1)
    state = backfill(start=first, end=second, return_state=True)  # empty sources = all
    summary = state.result()
    artifacts = _run_artifacts(state.state_details.flow_run_id)
    progress_bars = [a for a in artifacts if a.type == "progress"]
    assert [a.data for a in progress_bars] == [100.0]
    (report,) = [a for a in artifacts if a.key == "backfill-report"]
    assert report.type == "table"
    assert (summary["days_done"], summary["days_failed"]) == (2 * len(days), 0)
    n, distinct, progress = _stored(nos_env)
    assert n == distinct == summary["new"]
    urls = _stored_urls(nos_env)
    assert _expected_urls(site, [first, second]) <= urls
    assert progress == sorted((day, DONE) for day in days for _ in range(2))
    requests = len(site.requests(prefix="/artikel/"))

    again = backfill(start=first, end=second, sources=["nos-archief"])
    assert (again["days_skipped"], again["days_done"], again["new"]) == (len(days), 0, 0)
    assert len(site.requests(prefix="/artikel/")) == requests


@pytest.mark.usefixtures("prefect_harness")
def test_a_failing_day_is_marked_failed_and_walked_again(nos_env: str, site: NosSite) -> None:
    day = ARCHIVE_DAYS[2]
    path = f"/nieuws/archief/{day.isoformat()}"
    site.add_page(path, b"down for maintenance", "text/plain", status=503)
    summary = backfill(start=day, end=day, sources=["nos-archief"])
    assert (summary["days_done"], summary["days_failed"]) == (0, 1)
    _, _, progress = _stored(nos_env)
    assert progress == [(day, "failed")]
    engine = make_engine(nos_env)
    with session_scope(engine) as session:
        (source,) = list_sources(session)
        assert source.status != "failing"  # a backfill leaves the live source health alone
    engine.dispose()

    site.remove_page(path)
    again = backfill(start=day, end=day, sources=["nos-archief"])
    assert (again["days_skipped"], again["days_done"], again["days_failed"]) == (0, 1, 0)
    assert _expected_urls(site, [day]) <= _stored_urls(nos_env)


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
    flow_site: FlowSite,
    start: date,
    end: date,
    sources: list[str],
    message: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    state = backfill(start=start, end=end, sources=sources, return_state=True)
    assert state.is_failed()
    assert message in (state.message or "")
    assert flow_site.article_requests == 0
    # A form mistake is logged as its reason, never with a traceback.
    assert [r for r in caplog.records if r.exc_info] == []
    assert any(message in r.getMessage() for r in caplog.records if r.levelname == "ERROR")


@pytest.mark.usefixtures("prefect_harness")
def test_an_unknown_source_fails_the_run(newsmon_env: dict[str, str], flow_site: FlowSite) -> None:
    state = backfill(start=DAYS[0], end=DAYS[0], sources=["nos-rss"], return_state=True)
    assert state.is_failed()
    assert "nos-rss" in (state.message or "") or "nos-archief" in (state.message or "")
    assert flow_site.article_requests == 0


def test_a_backfill_killed_half_way_and_run_again_stores_every_article_once(
    newsmon_env: dict[str, str], flow_site: FlowSite, prefect_harness: str, tmp_path: Path
) -> None:
    flow_site.delay_s = 0.4  # slow articles, so the kill lands in the middle of the range
    env = {**os.environ, **newsmon_env, "PREFECT_API_URL": prefect_harness}
    log = tmp_path / "backfill.log"
    command = [sys.executable, "-m", "cli.main", "backfill", "2024-03-01", "2024-03-06"]
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
