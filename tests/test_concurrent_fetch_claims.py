"""Two runs at once never request one article page twice: each claims an article (its id and
canonical URL) in a committed row before the fetch, and the other skips what is claimed. Real
``newsmon ingest`` processes on one database, both backends; the site's request log judges."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import make_engine, session_scope
from storage.models import Article
from tests.cli_process import cli_env, start, write_sources
from tests.site import NosSite

pytestmark = pytest.mark.slow

N_PAGES = 150


def test_two_concurrent_runs_request_each_article_page_once(
    site: NosSite, database_url: str, tmp_path: Path
) -> None:
    sources = write_sources(tmp_path / "sources.toml", site, {"gen": f"/gen/feed?count={N_PAGES}"})
    env = cli_env(database_url, sources, tmp_path / "data")
    procs = [start(env, "ingest"), start(env, "ingest")]
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, out + err

    pages = Counter(r.path for r in site.requests(prefix="/gen/artikel/"))
    assert len(pages) == N_PAGES
    assert [path for path, n in pages.items() if n > 1] == []
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            urls = session.scalars(select(Article.canonical_url)).all()
            assert len([u for u in urls if "/gen/artikel/" in u]) == N_PAGES
    finally:
        engine.dispose()
