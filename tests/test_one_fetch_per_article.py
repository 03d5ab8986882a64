"""One fetch per article, ever: the real NOS feed (short links ``/l/<id>`` redirecting to
``/artikel/<id>-…``) and a day archive listing the same articles under their slug and collection
URLs fetch each article once; a second poll asks for no article at all. Both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from pipeline.ingest import IngestContext, run_ingest
from storage.aliases import aliases_of
from storage.db import session_scope
from storage.models import Article
from tests.nos_realsite import (
    article_requests,
    item_page,
    real_items,
    serve_archive,
    serve_feed,
    slug,
    sources,
)
from tests.site import NosSite

pytestmark = pytest.mark.realdata


def page_fetches(site: NosSite, number: int) -> list[str]:
    """Requests that fetched article ``number``'s page (a short link only redirects)."""
    return [p for p in article_requests(site, number) if not p.startswith("/l/")]


def test_a_feed_and_an_archive_listing_one_article_under_two_urls_fetch_it_once(
    site: NosSite, engine: Engine
) -> None:
    items = real_items(site)
    serve_feed(site, items)
    first, second = items[0], items[1]
    collection = f"/collectie/13935/artikel/{second.id}-{slug(second.title)}"
    site.add_page(collection, item_page(site, second))
    when = "2026-10-01T12:52:42+02:00"
    serve_archive(site, [(first.path, first.title, when), (collection, second.title, when)])

    report = run_ingest(IngestContext(engine, sources(site)))

    assert report.status == "ok", report.sources
    for item in items:
        assert len(page_fetches(site, item.id)) == 1, (item.id, article_requests(site, item.id))
    with session_scope(engine) as session:
        articles = list(session.scalars(select(Article).order_by(Article.id)))
        assert len(articles) == len(items)
        by_title = {a.title: a for a in articles}
        stored_first = by_title[first.title]
        assert stored_first.text_source == "page"
        assert "vermogensbelasting" in stored_first.text
        assert {site.url(first.short_path), site.url(first.path)} <= set(
            aliases_of(session, stored_first.id)
        )


def test_a_second_poll_of_unchanged_sources_makes_no_article_request(
    site: NosSite, engine: Engine
) -> None:
    items = real_items(site)
    serve_feed(site, items)
    when = "2026-10-01T12:52:42+02:00"
    serve_archive(site, [(item.path, item.title, when) for item in items[:3]])
    config = sources(site)
    run_ingest(IngestContext(engine, config))
    site.reset_log()

    report = run_ingest(IngestContext(engine, config))

    assert [r.path for r in site.requests() if r.path.startswith(("/l/", "/artikel/"))] == []
    listing = [(r.path, r.status) for r in site.requests()]
    assert ("/feeds/nosnieuwsalgemeen-echt", 304) in listing
    assert report.sources["nos-echt"].new == 0
    assert report.sources["nos-echt-archief"].known == 3
