"""``http://`` and ``https://`` forms of one URL are one article: a page read under one is
known under the other and not fetched again. Both backends, through the real fetch path."""

from __future__ import annotations

from html import escape

from sqlalchemy import Engine, select

from pipeline.ingest import IngestContext, IngestReport, run_ingest
from processing.urls import scheme_twin
from scrapers.sources import SourceConfig, SourcesConfig
from storage.db import session_scope
from storage.models import Article, FetchLog
from tests.site.generated import generated_path
from tests.site.server import NosSite

NUMBERS = [51, 52, 53]


def poll(site: NosSite, engine: Engine, name: str, feed_path: str) -> IngestReport:
    source = SourceConfig(name=name, kind="rss", url=site.url(feed_path), allowed_hosts=site.hosts)
    config = SourcesConfig(fetch=site.fetch_config(min_interval_s=0.0), sources=(source,))
    return run_ingest(IngestContext(engine, config))


def test_the_https_form_of_a_stored_http_url_is_known_and_not_fetched(
    site: NosSite, engine: Engine
) -> None:
    site.add_generated_feed("/gen/http-feed", NUMBERS)
    poll(site, engine, "http", "/gen/http-feed")
    https = [scheme_twin(site.url(generated_path(n))) for n in NUMBERS]
    assert all(url is not None and url.startswith("https://") for url in https)
    items = "".join(f"<item><title>t</title><link>{escape(str(u))}</link></item>" for u in https)
    feed = f'<rss version="2.0"><channel><title>s</title>{items}</channel></rss>'
    site.add_page("/gen/https-feed", feed.encode(), "application/rss+xml")

    report = poll(site, engine, "https", "/gen/https-feed")

    with session_scope(engine) as session:
        fetched = set(session.scalars(select(FetchLog.url)))
        stored = session.scalars(select(Article.canonical_url)).all()
    assert not fetched & set(https)  # never requested under https
    assert sorted(stored) == sorted(site.url(generated_path(n)) for n in NUMBERS)
    assert report.sources["https"].known == len(NUMBERS)
    assert report.sources["https"].errors == []
