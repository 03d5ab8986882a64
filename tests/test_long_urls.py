"""An article at a 10,000-character URL is stored once, on both backends, and stays unique."""

from __future__ import annotations

from html import escape

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from pipeline.ingest import IngestContext, run_ingest
from processing.urls import canonicalize_url
from scrapers.sources import SourceConfig, SourcesConfig
from storage.articles import upsert_article
from storage.db import session_scope
from storage.models import Article
from storage.records import ArticleRecord
from tests.site.generated import generated_article, generated_path
from tests.site.pages import article_page
from tests.site.server import NosSite

URL_CHARS = 10_000
FEED_PATH = "/gen/lange-urls"


def long_path(site: NosSite, marker: str) -> str:
    prefix = f"/lange-url/{marker}-"
    return prefix + "x" * (URL_CHARS - len(site.url(prefix)))


def serve_long_article(site: NosSite, n: int, path: str) -> None:
    html = article_page(site.base_url, generated_article(n), [])
    own, long_url = escape(site.url(generated_path(n))), escape(site.url(path))
    html = html.replace(f'rel="canonical" href="{own}"', f'rel="canonical" href="{long_url}"')
    html = html.replace(
        f'property="og:url" content="{own}"', f'property="og:url" content="{long_url}"'
    )
    site.add_page(path, html.encode())
    feed = (
        '<rss version="2.0"><channel><title>lang</title><item><title>lang</title>'
        f"<link>{escape(site.url(path))}</link></item></channel></rss>"
    )
    site.add_page(FEED_PATH, feed.encode(), content_type="application/rss+xml")


def ingest(site: NosSite, engine: Engine) -> tuple[str, int, int]:
    source = SourceConfig(
        name="lange-urls", kind="rss", url=site.url(FEED_PATH), allowed_hosts=site.hosts
    )
    config = SourcesConfig(fetch=site.fetch_config(min_interval_s=0.0), sources=(source,))
    report = run_ingest(IngestContext(engine, config))
    counts = report.sources["lange-urls"]
    return report.source_status["lange-urls"], counts.new, counts.failed


def test_an_article_at_a_10000_character_url_is_stored_and_known_next_time(
    site: NosSite, engine: Engine
) -> None:
    path = long_path(site, "a")
    url = canonicalize_url(site.url(path))
    assert len(site.url(path)) == URL_CHARS
    serve_long_article(site, 11, path)

    assert ingest(site, engine) == ("ok", 1, 0)
    with session_scope(engine) as session:
        assert list(session.scalars(select(Article.canonical_url))) == [url]

    site.reset_log()
    assert ingest(site, engine) == ("ok", 0, 0)
    assert site.requests(path=path) == []  # known: not fetched again


def test_long_canonical_urls_stay_unique(engine: Engine) -> None:
    url = "https://nos.nl/artikel/1-" + "y" * URL_CHARS
    record = ArticleRecord(canonical_url=url, title="Lang", text="Een tekst.", origin="rss")
    with session_scope(engine) as session:
        upsert_article(session, record, "hash-1")
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(
            Article(canonical_url=url, origin="rss", title="Twee", text="", text_hash="hash-2")
        )
        session.flush()
    with session_scope(engine) as session:
        assert len(list(session.scalars(select(Article.id)))) == 1
