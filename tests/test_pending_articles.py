"""A page that is no article yet (a stub with too little text) is not settled for good: its
feed teaser is stored so the article exists, the page is tried again with a bounded backoff
over a few days (even when the feed answers 304 meanwhile), and when a try finds the article
the page's text replaces the teaser as a new version. A live blog stays no article for good; a
walled page's due retry is made behind a 304 too.
Both backends, through the real fetch path on the local NOS-like site."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from sqlalchemy import Engine, select

from pipeline.ingest import IngestContext, IngestReport, run_ingest
from scrapers.outcomes import PENDING_GIVE_UP
from scrapers.sources import SourceConfig, SourcesConfig
from storage.db import session_scope
from storage.models import Article, FetchRetry
from storage.types import utcnow
from tests.site import NosSite

STUB = "/wachten/2490001-minsk-en-moskou"
LIVE = "/liveblog/2484500-oorlog-in-oekraine-dag-524"
TITLE = "Minsk en Moskou tekenen nieuw verdrag"
SUMMARY = "Belarus en Rusland ondertekenen vandaag een verdrag over een gezamenlijke munt."
STUB_PAGE = (
    f"<html><head><title>{TITLE}</title></head><body><h1>{TITLE}</h1><p>Volgt.</p></body></html>"
)
PARAGRAPH = (
    "De presidenten Loekasjenko en Poetin ondertekenden in Minsk een verdrag dat de twee landen "
    "nauwer aan elkaar bindt, met afspraken over gas, olie, een gezamenlijke munt en de grens. "
)
ARTICLE_PAGE = (
    f"<html><head><title>{TITLE}</title></head><body><article><h1>{TITLE}</h1>"
    + "".join(f"<p>{PARAGRAPH}Punt {n} van het verdrag.</p>" for n in range(8))
    + "</article></body></html>"
)


class Clock:
    """The ingest's clock, moved on by the test (retries come due without waiting)."""

    def __init__(self) -> None:
        self.now: datetime = utcnow()

    def __call__(self) -> datetime:
        return self.now


def serve(site: NosSite) -> str:
    """The stub, and a feed naming it (with a teaser) and a live blog; the feed's URL."""
    site.add_page(STUB, STUB_PAGE.encode())
    items = (
        f"<item><title>{escape(TITLE)}</title><link>{site.url(STUB)}</link>"
        f"<description>{escape(SUMMARY)}</description></item>"
        f"<item><title>Liveblog</title><link>{site.url(LIVE)}</link></item>"
    )
    feed = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>w</title>{items}</channel></rss>'
    )
    return site.add_page("/wachten/feed.xml", feed.encode(), "application/rss+xml")


def poll(site: NosSite, engine: Engine, feed_url: str, clock: Clock) -> IngestReport:
    source = SourceConfig(name="wachten", kind="rss", url=feed_url, allowed_hosts=site.hosts)
    config = SourcesConfig(fetch=site.fetch_config(), sources=(source,))
    return run_ingest(IngestContext(engine, config, clock=clock))


def articles(engine: Engine) -> list[Article]:
    with session_scope(engine) as session:
        found = list(session.scalars(select(Article).order_by(Article.id)))
        session.expunge_all()
    return found


def stub_requests(site: NosSite) -> int:
    return len(site.requests(path=STUB))


def test_a_stub_stores_the_feed_teaser_and_is_read_later_even_behind_a_304(
    site: NosSite, engine: Engine
) -> None:
    clock = Clock()
    feed_url = serve(site)
    report = poll(site, engine, feed_url, clock)

    assert report.sources["wachten"].no_article == 2
    (teaser,) = articles(engine)  # the stub's teaser; the live blog is not stored
    assert (teaser.title, teaser.text, teaser.text_source) == (TITLE, SUMMARY, "feed")
    assert teaser.canonical_url == site.url(STUB)

    site.reset_log()
    clock.now += timedelta(minutes=30)  # not due yet: nothing is requested but the feed
    poll(site, engine, feed_url, clock)
    assert stub_requests(site) == 0

    site.add_page(STUB, ARTICLE_PAGE.encode())  # the stub became the article
    clock.now += timedelta(hours=1)
    site.reset_log()
    poll(site, engine, feed_url, clock)

    feed_answers = [r.status for r in site.requests(path="/wachten/feed.xml")]
    assert feed_answers == [304]  # the refusals settled the feed, yet the retry happened
    assert stub_requests(site) == 1
    assert site.requests(path=LIVE) == []  # a live blog is no article for good
    (read,) = articles(engine)
    assert read.id == teaser.id
    assert (read.version, read.text_source) == (2, "page")
    assert "Loekasjenko en Poetin" in read.text
    with session_scope(engine) as session:
        assert session.scalars(select(FetchRetry)).all() == []

    site.reset_log()
    clock.now += timedelta(days=1)
    poll(site, engine, feed_url, clock)
    assert stub_requests(site) == 0  # read: settled


def test_a_stub_is_tried_a_bounded_number_of_times_over_a_few_days(
    site: NosSite, engine: Engine
) -> None:
    clock = Clock()
    start = clock.now
    feed_url = serve(site)
    for _ in range(PENDING_GIVE_UP + 3):
        poll(site, engine, feed_url, clock)
        clock.now += timedelta(hours=25)

    assert stub_requests(site) == PENDING_GIVE_UP
    with session_scope(engine) as session:
        (retry,) = session.scalars(select(FetchRetry)).all()
        assert (retry.failures, retry.next_retry_at) == (PENDING_GIVE_UP, None)
    (teaser,) = articles(engine)  # the teaser stays the article
    assert teaser.text == SUMMARY
    assert clock.now - start > timedelta(days=2)


PAYWALL_LD = (
    '<script type="application/ld+json">'
    '{"@type": "NewsArticle", "isAccessibleForFree": false}</script>'
)


def test_a_due_wall_retry_is_made_although_the_feed_answers_304(
    site: NosSite, engine: Engine
) -> None:
    clock = Clock()
    feed_url = serve(site)
    walled = ARTICLE_PAGE.replace("</head>", f"{PAYWALL_LD}</head>")
    site.add_page(STUB, walled.encode())
    poll(site, engine, feed_url, clock)
    (teaser,) = articles(engine)
    assert teaser.text_source == "feed"

    site.add_page(STUB, ARTICLE_PAGE.encode())  # the wall is gone; the feed is unchanged
    clock.now += timedelta(minutes=16)  # a wall's first retry waits 15 minutes
    site.reset_log()
    poll(site, engine, feed_url, clock)

    assert [r.status for r in site.requests(path="/wachten/feed.xml")] == [304]
    assert stub_requests(site) == 1
    (read,) = articles(engine)
    assert (read.id, read.version, read.text_source) == (teaser.id, 2, "page")
