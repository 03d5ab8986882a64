"""A walled page keeps what it says about itself: its title, date, byline and description
become the teaser when the feed has no description, and ``text_source`` says where the text
came from. The page is a real one of the extraction benchmark (an NYT opinion piece marked
``isAccessibleForFree: false``), served on the local site and fetched through ingest."""

from __future__ import annotations

import gzip
from html import escape
from typing import Any

import pytest
from sqlalchemy import Engine, select

from pipeline.ingest import IngestContext, run_ingest
from scrapers.extract import decode_html, page_metadata
from scrapers.sources import SourceConfig, SourcesConfig
from scrapers.walls import page_paywall_marker
from storage.db import session_scope
from storage.models import TEXT_FROM_FEED, TEXT_FROM_PAGE_META, Article
from tests.realdata import require_realdata
from tests.site import NosSite

NYT = "04a6711caa7c687592777718866e781e976e0fe684faebe8b3cedcef8cd0ea34"
TITLE = "Opinion | Republicans Are Following Trump to Nowhere"
DESCRIPTION = (
    "There’s an impeachment lesson hiding in the president’s failure to produce the political "
    "results he wants."
)


def ingest_walled(site: NosSite, engine: Engine, feed_description: str | None) -> dict[str, Any]:
    body = gzip.decompress(
        (require_realdata("extraction-benchmark", "html") / f"{NYT}.html.gz").read_bytes()
    )
    url = site.add_page("/opinie/republicans", body, "text/html; charset=utf-8")
    described = f"<description>{escape(feed_description)}</description>" if feed_description else ""
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>w</title>'
        f"<item><title>Republikeinen</title><link>{escape(url)}</link>{described}</item>"
        "</channel></rss>"
    )
    feed_url = site.add_page("/opinie/feed.xml", feed.encode(), "application/rss+xml")
    source = SourceConfig(name="muur", kind="rss", url=feed_url, allowed_hosts=site.hosts)
    run_ingest(IngestContext(engine, SourcesConfig(fetch=site.fetch_config(), sources=(source,))))
    with session_scope(engine) as session:
        article = session.scalars(select(Article)).one()
        day = article.published_at.date().isoformat() if article.published_at else None
        return {
            "text_source": article.text_source,
            "title": article.title,
            "text": article.text,
            "author": article.author,
            "day": day,
            "date_source": article.date_source,
        }


@pytest.mark.realdata
@pytest.mark.slow
def test_a_walled_page_without_feed_description_keeps_its_own_title_date_byline_and_description(
    site: NosSite, engine: Engine
) -> None:
    article = ingest_walled(site, engine, None)

    assert article == {
        "text_source": TEXT_FROM_PAGE_META,
        "title": TITLE,
        "text": DESCRIPTION,
        "author": "Jamelle Bouie",
        "day": "2019-11-19",
        "date_source": "page",
    }


@pytest.mark.realdata
@pytest.mark.slow
def test_a_walled_page_keeps_the_feed_description_as_text_and_its_own_date_and_byline(
    site: NosSite, engine: Engine
) -> None:
    article = ingest_walled(site, engine, "Wat de Republikeinen van Trump leren.")

    assert article["text_source"] == TEXT_FROM_FEED
    assert (article["title"], article["text"]) == (TITLE, "Wat de Republikeinen van Trump leren.")
    assert (article["author"], article["day"]) == ("Jamelle Bouie", "2019-11-19")


@pytest.mark.realdata
def test_every_real_walled_page_declares_a_title_date_and_description() -> None:
    folder = require_realdata("extraction-benchmark", "html")
    walled = []
    for path in sorted(folder.glob("*.html.gz")):
        html = decode_html(gzip.decompress(path.read_bytes()), None)
        if page_paywall_marker(html, "https://example.org/a") is not None:
            walled.append(page_metadata(html, "https://example.org/a"))
    assert len(walled) == 9
    assert all(m.title and m.description and m.published_at for m in walled), walled
    assert sum(bool(m.author) for m in walled) == 9


def test_a_description_only_in_schema_org_is_the_teaser_text() -> None:
    html = (
        '<html><head><title>Loekasjenko bij Poetin</title><script type="application/ld+json">'
        '{"@type": "NewsArticle", "isAccessibleForFree": false, "headline": "Loekasjenko",'
        ' "datePublished": "2024-03-01T10:00:00+01:00",'
        ' "description": "Wit-Rusland en Rusland  tekenen een verdrag."}'
        "</script></head><body><p>Alleen voor abonnees.</p></body></html>"
    )
    meta = page_metadata(html, "https://www.telegraaf.nl/nieuws/123456789/loekasjenko")
    assert meta.description == "Wit-Rusland en Rusland tekenen een verdrag."
    assert meta.published_at is not None and meta.published_at.date().isoformat() == "2024-03-01"
