"""Pages that are not articles are ``no_article`` and never stored: real NOS listings (lists of
teasers), a ``website`` page with hardly any prose of its own, live blogs and video pages
(tests/test_extract.py); the real NOS article and real articles that merely say
``og:type = website`` stay articles."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from pipeline.ingest import IngestContext, run_ingest
from scrapers.errors import NoArticleError
from scrapers.extract import decode_html, extract_page
from scrapers.sources import SourceConfig, SourcesConfig
from storage.db import make_engine, session_scope
from storage.models import Article
from tests.realdata import require_realdata
from tests.site import NosSite

LISTINGS = [
    "nos_laatste_2024-04-11.utf8.html",
    "nos_laatste_2024-04-11_raw_as_saved_cp1252.html",
    "nos_laatste_2025-01-20.html",
]
ARTICLE = "nos_2516536_urker-kotter.utf8.html"
PROSE = "Het ministerie van Defensie in Minsk maakte bekend dat de oefening drie weken duurt. "


@pytest.mark.realdata
@pytest.mark.parametrize("name", LISTINGS)
def test_a_real_nos_listing_is_a_list_of_teasers(name: str) -> None:
    body = (require_realdata("nos") / name).read_bytes()
    # Served under a path no outlet calls a listing, so the text alone must tell.
    with pytest.raises(NoArticleError) as info:
        extract_page(decode_html(body, "text/html"), "https://example.org/pagina/laatste")
    assert "list of teasers" in info.value.reason


def test_a_website_page_with_little_prose_of_its_own_is_no_article() -> None:
    html = (
        '<html><head><meta property="og:type" content="website"></head><body><main>'
        f"<h1>Over ons</h1><p>{PROSE * 4}</p></main></body></html>"
    )
    with pytest.raises(NoArticleError) as info:
        extract_page(html, "https://nos.nl/over-de-nos")
    assert "og:type website" in info.value.reason


@pytest.mark.realdata
def test_real_articles_that_say_website_stay_articles() -> None:
    bench = require_realdata("extraction-benchmark")
    truth = json.loads((bench / "ground-truth.json").read_text("utf-8"))
    ascom = [key for key, item in truth.items() if "ascom.com" in item["url"]]
    assert len(ascom) == 2  # press releases with og:type website and no other article markup
    for key in ascom:
        body = gzip.decompress((bench / "html" / f"{key}.html.gz").read_bytes())
        page = extract_page(decode_html(body, None), truth[key]["url"])
        assert len(page.text) > 2000


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.mark.realdata
def test_listings_in_a_feed_are_counted_no_article_and_only_the_article_is_stored(
    site: NosSite, db: Engine
) -> None:
    nos = require_realdata("nos")
    urls = [
        site.add_page(f"/echt/lijst-{i}", (nos / n).read_bytes()) for i, n in enumerate(LISTINGS)
    ]
    article_url = site.add_page("/artikel/2516536-urker-kotter", (nos / ARTICLE).read_bytes())
    items = "".join(f"<item><title>t</title><link>{u}</link></item>" for u in [*urls, article_url])
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
    feed_url = site.add_page("/echt/feed.xml", feed.encode(), "application/rss+xml")
    source = SourceConfig(name="nos", kind="rss", url=feed_url, allowed_hosts=site.hosts)

    report = run_ingest(
        IngestContext(db, SourcesConfig(fetch=site.fetch_config(), sources=(source,)))
    )

    counts = report.sources["nos"]
    assert (counts.new, counts.no_article) == (1, len(LISTINGS)), counts.errors
    with session_scope(db) as session:
        (stored,) = session.scalars(select(Article)).all()
        assert stored.canonical_url == article_url
        assert stored.title == "Vermiste Urker kotter na 58 jaar mogelijk teruggevonden"
