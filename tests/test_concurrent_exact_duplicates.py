"""Exact-duplicate detection holds under concurrency: two ``newsmon ingest`` processes storing
the same texts under different URLs at the same time leave one original per text, the rest
stored as its duplicates (a lock per text hash, not a read-then-write race). Both backends."""

from __future__ import annotations

from collections import Counter
from html import escape
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import make_engine, session_scope
from storage.models import Article
from tests.cli_process import FAST_FETCH, cli_env, start
from tests.site.generated import generated_article, generated_path
from tests.site.pages import article_page
from tests.site.server import NosSite

pytestmark = pytest.mark.slow

N_TEXTS = 60
COPY_FEED = "/kopie/feed.xml"


def copy_path(n: int) -> str:
    return f"/kopie/{n}-dezelfde-tekst"


def on_localhost(site: NosSite, path: str) -> str:
    """``path`` on the site under its other name: another host, paced on its own."""
    return f"http://localhost:{site.port}{path}"


def serve_copies(site: NosSite) -> None:
    """Generated articles N_TEXTS…1 again under /kopie/ (listed in the order of ``/gen/feed``,
    so both processes meet each text at about the same time), each its own canonical."""
    items = []
    for n in range(N_TEXTS, 0, -1):
        html = article_page(site.base_url, generated_article(n), [])
        own = escape(on_localhost(site, copy_path(n)))
        html = html.replace(escape(site.url(generated_path(n))), own)
        site.add_page(copy_path(n), html.encode())
        url = on_localhost(site, copy_path(n))
        items.append(f"<item><title>Kopie {n}</title><link>{escape(url)}</link></item>")
    feed = f'<rss version="2.0"><channel><title>k</title>{"".join(items)}</channel></rss>'
    site.add_page(COPY_FEED, feed.encode(), "application/rss+xml")


def test_two_processes_storing_the_same_texts_leave_one_original_per_text(
    site: NosSite, database_url: str, tmp_path: Path
) -> None:
    serve_copies(site)
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f"""{FAST_FETCH}
[[sources]]
name = "gen"
kind = "rss"
url = "{site.url(f"/gen/feed?count={N_TEXTS}")}"
allowed_hosts = ["127.0.0.1"]

[[sources]]
name = "kopie"
kind = "rss"
url = "{on_localhost(site, COPY_FEED)}"
allowed_hosts = ["localhost"]
""",
        encoding="utf-8",
    )
    env = cli_env(database_url, sources, tmp_path / "data")
    procs = [start(env, "ingest", "--source", "gen"), start(env, "ingest", "--source", "kopie")]
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, out + err

    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            rows = session.execute(
                select(Article.canonical_url, Article.text_hash, Article.duplicate_of)
            ).all()
    finally:
        engine.dispose()
    listed = [r for r in rows if "/gen/artikel/" in r[0] or "/kopie/" in r[0]]
    assert len(listed) == 2 * N_TEXTS
    originals = Counter(digest for _, digest, duplicate_of in listed if duplicate_of is None)
    assert originals and all(count == 1 for count in originals.values()), originals.most_common(3)
