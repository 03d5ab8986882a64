"""Walls are never bypassed: a consent redirect to another host (never fetched: the off-host
listener logs nothing) or a paywalled page stores the real feed item's title and description
as a teaser (``text_source`` feed, tagged as usual); a later poll that can read the page
upgrades it to a new version read from the page. Both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from pipeline.ingest import IngestContext, run_ingest
from storage.db import session_scope
from storage.models import Article
from tests.nos_realsite import Item, item_page, real_items, serve_feed, sources
from tests.site import NosSite

PAYWALL_LD = (
    '<script type="application/ld+json">'
    '{"@type": "NewsArticle", "isAccessibleForFree": false}</script>'
)

pytestmark = pytest.mark.realdata


def stored(engine: Engine, title: str) -> Article:
    with session_scope(engine) as session:
        article = session.scalars(select(Article).where(Article.title == title)).one()
        session.expunge(article)
    return article


def consent_walled(site: NosSite, item: Item) -> None:
    location = f"{site.off_host_base}/privacy-gate/accept?redirectUri={site.url(item.path)}"
    site.add_page(item.path, b"", None, headers={"Location": location}, status=302)


def poll(engine: Engine, site: NosSite, retry_base_s: float = 900.0) -> None:
    """One poll of the real feed; its source is declared behind a consent wall, so a redirect
    off its hosts is that wall (for any other source it is just ``off_host``)."""
    config = sources(site, archive=False)
    walled = tuple(source.model_copy(update={"wall": "consent"}) for source in config.sources)
    run_ingest(
        IngestContext(
            engine, config.model_copy(update={"sources": walled}), retry_base_s=retry_base_s
        )
    )


def test_a_consent_redirect_gives_the_feed_teaser_and_the_consent_page_is_never_fetched(
    site: NosSite, engine: Engine
) -> None:
    items = real_items(site)
    serve_feed(site, items)
    walled = items[1]
    consent_walled(site, walled)

    poll(engine, site)

    assert site.requests(server="trap") == []
    teaser = stored(engine, walled.title)
    assert teaser.text_source == "feed"
    assert teaser.text.startswith("Gaat president Trump besluiten tot een verbod op export")
    assert teaser.relevant is False, "a teaser is tagged like any article (off the beat)"
    assert stored(engine, items[0].title).text_source == "page"


def test_a_paywalled_page_gives_the_feed_teaser(site: NosSite, engine: Engine) -> None:
    items = real_items(site)
    serve_feed(site, items)
    walled = items[2]
    site.add_page(walled.path, item_page(site, walled, extra_head=PAYWALL_LD))

    poll(engine, site)

    teaser = stored(engine, walled.title)
    assert teaser.text_source == "feed"
    assert teaser.text.startswith("De afgelopen week zijn vier mensen overleden")
    assert teaser.version == 1


def test_a_walled_article_is_not_fetched_again_until_its_retry_is_due(
    site: NosSite, engine: Engine
) -> None:
    items = real_items(site)
    serve_feed(site, items)
    consent_walled(site, items[1])
    poll(engine, site)
    site.reset_log()

    poll(engine, site)  # the retry waits 15 minutes

    assert [r.path for r in site.requests() if r.path.startswith(("/l/", "/artikel/"))] == []
    assert site.requests(server="trap") == []


def test_when_the_wall_goes_a_later_poll_upgrades_the_teaser_to_the_page(
    site: NosSite, engine: Engine
) -> None:
    items = real_items(site)
    serve_feed(site, items)
    walled = items[2]
    site.add_page(walled.path, item_page(site, walled, extra_head=PAYWALL_LD))
    poll(engine, site, retry_base_s=0)
    teaser = stored(engine, walled.title)

    site.add_page(walled.path, item_page(site, walled))  # the wall is gone
    serve_feed(site, items, revision=1)  # the wall settled the feed: it is read when it changes
    site.add_page(walled.path, item_page(site, walled))
    poll(engine, site, retry_base_s=0)

    read = stored(engine, walled.title)
    assert read.id == teaser.id
    assert read.text_source == "page"
    assert read.version == 2
    assert "westnijlvirus" in read.text
    with session_scope(engine) as session:
        assert session.scalars(select(Article)).all().__len__() == len(items)
    site.reset_log()
    poll(engine, site, retry_base_s=0)
    assert [r.path for r in site.requests() if r.path.startswith(("/l/", "/artikel/"))] == []
