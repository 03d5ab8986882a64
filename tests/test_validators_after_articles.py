"""A listing's ETag is kept only after its articles: a run killed half-way loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from pipeline.ingest import IngestContext, run_ingest
from scrapers.sources import SourceConfig, SourcesConfig
from storage.db import make_engine, session_scope
from storage.models import Article
from tests.cli_process import cli_env, newsmon_cmd
from tests.conftest import REPO_ROOT
from tests.databases import migrated_database
from tests.prefect_fixtures import stop_process, write_sources_toml
from tests.site.server import NosSite

FEED_PATH = "/gen/etag-feed"
N_PAGES = 60
KILL_AFTER = 5  # articles stored before the SIGKILL


def feed_config(site: NosSite, interval_s: float) -> SourcesConfig:
    source = SourceConfig(
        name="gen-etag", kind="rss", url=site.url(FEED_PATH), allowed_hosts=site.hosts
    )
    return SourcesConfig(fetch=site.fetch_config(min_interval_s=interval_s), sources=(source,))


def stored_set(engine: Engine) -> set[tuple[str, str, str]]:
    with session_scope(engine) as session:
        rows = session.execute(select(Article.canonical_url, Article.title, Article.text_hash))
        return {(url, title, digest) for url, title, digest in rows}


def count(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        n = session.scalar(select(func.count()).select_from(Article)) or 0
        distinct = session.scalar(select(func.count(func.distinct(Article.canonical_url)))) or 0
        return n, distinct


@pytest.fixture
def clean_engine(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    """A second fresh database on the same backend, for the run that is never killed."""
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    folder = tmp_path / "clean"
    folder.mkdir()
    with migrated_database(backend, folder) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def kill_ingest_after(
    database_url: str, sources_file: Path, engine: Engine, tmp_path: Path, n: int
) -> None:
    """Run ``newsmon ingest`` in a subprocess and SIGKILL it once ``n`` articles are stored."""
    env = cli_env(database_url, sources_file, tmp_path / "data")
    log = tmp_path / "ingest.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            newsmon_cmd("ingest"),
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and count(engine)[0] < n:
            time.sleep(0.05)
        assert proc.poll() is None, log.read_text()[-3000:]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        stop_process(proc)


@pytest.mark.slow
def test_a_feed_ingest_killed_after_some_articles_is_finished_by_the_next_poll(
    site: NosSite, database_url: str, engine: Engine, clean_engine: Engine, tmp_path: Path
) -> None:
    site.add_generated_feed(FEED_PATH, range(N_PAGES, 0, -1))
    # Slow enough that the kill lands while most pages are still to come.
    sources_file = write_sources_toml(feed_config(site, 0.1), tmp_path / "sources.toml")

    kill_ingest_after(database_url, sources_file, engine, tmp_path, KILL_AFTER)
    killed, _ = count(engine)
    assert KILL_AFTER <= killed < N_PAGES

    report = run_ingest(IngestContext(engine, feed_config(site, 0.0)))
    assert report.source_status == {"gen-etag": "ok"}
    run_ingest(IngestContext(clean_engine, feed_config(site, 0.0)))

    assert count(engine) == (N_PAGES, N_PAGES)
    assert stored_set(engine) == stored_set(clean_engine)
    # Now the feed's validators are kept: the next poll costs one 304 and no article fetch.
    site.reset_log()
    again = run_ingest(IngestContext(engine, feed_config(site, 0.0)))
    assert again.sources["gen-etag"].not_modified == 1
    assert [r.status for r in site.requests(path=FEED_PATH)] == [304]
    assert site.requests(prefix="/gen/artikel/") == []


def test_refetch_reads_an_unchanged_feed_again(site: NosSite, engine: Engine) -> None:
    site.add_generated_feed(FEED_PATH, range(3, 0, -1))
    run_ingest(IngestContext(engine, feed_config(site, 0.0)))
    site.reset_log()

    run_ingest(IngestContext(engine, feed_config(site, 0.0), refetch=True))

    feed = site.requests(path=FEED_PATH)
    assert [(r.if_none_match, r.status) for r in feed] == [(None, 200)]
