"""Two ``newsmon ingest`` processes on one SQLite file wait for each other and both finish."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import make_engine, session_scope
from storage.models import Article, IngestRun, IngestRunSource, Source
from tests.cli_process import cli_env, start, write_sources
from tests.site import NosSite

pytestmark = pytest.mark.slow


def test_two_ingests_on_one_sqlite_file_both_complete_and_both_runs_are_recorded(
    site: NosSite, sqlite_url: str, tmp_path: Path
) -> None:
    sources = write_sources(
        tmp_path / "sources.toml",
        site,
        {"gen": "/gen/feed?count=120", "buitenland": "/nosnieuwsbuitenland"},
    )
    env = cli_env(sqlite_url, sources, tmp_path / "data")
    procs = [start(env, "ingest"), start(env, "ingest")]
    outputs = [p.communicate(timeout=240) for p in procs]
    results = [(p.returncode, out, err) for p, (out, err) in zip(procs, outputs, strict=True)]
    for code, out, err in results:
        assert code == 0, out + err
        assert "database is locked" not in out + err
    engine = make_engine(sqlite_url)
    try:
        with session_scope(engine) as session:
            runs = session.scalars(select(IngestRun)).all()
            assert sorted(r.status for r in runs) == ["ok", "ok"]
            per_source = session.scalars(select(IngestRunSource)).all()
            assert len(per_source) == 4
            assert {r.status for r in per_source} == {"ok"}
            assert {s.name: s.status for s in session.scalars(select(Source))} == {
                "gen": "ok",
                "buitenland": "ok",
            }
            urls = session.scalars(select(Article.canonical_url)).all()
            assert len(urls) == len(set(urls))
            gen_articles = [u for u in urls if "/gen/artikel/" in u]
            assert len(gen_articles) == 120
            assert sum(r.new for r in per_source if r.source_name == "gen") == 120
    finally:
        engine.dispose()
