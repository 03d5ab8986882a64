"""Refusals by policy settle a feed: robots, off-host, a wall and a page that is no article do
not keep its validators from being kept, so a steady-state second poll is one 304 and fetches
no article. An off-host redirect is a consent wall only where the source has one."""

from __future__ import annotations

from html import escape

from sqlalchemy import Engine, select

from pipeline.ingest import IngestContext, IngestReport, run_ingest
from scrapers.sources import SourceConfig, SourcesConfig
from storage.db import session_scope
from storage.models import Article, FetchLog
from tests.site import NosSite

FEED = "/beleid/feed.xml"
PAYWALLED = "/beleid/betaald"
PAID_PAGE = (
    "<html><head><title>Betaald stuk over Minsk</title>"
    '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Betaald stuk",'
    ' "isAccessibleForFree": false}</script></head>'
    "<body><h1>Betaald stuk over Minsk</h1><p>Alleen voor abonnees.</p></body></html>"
)


def refusing_feed(site: NosSite) -> str:
    """A feed of one readable article and one item of every kind of refusal by policy."""
    paid = site.add_page(PAYWALLED, PAID_PAGE.encode())
    article = next(p for p in site.content.in_feed("algemeen") if p.kind == "artikel")
    links = {
        "Een gewoon artikel": site.url(article.path),
        "Intern (robots)": site.url("/intern/artikel/2480999-concept-wagner-niet-publiceren"),
        "Elders (off-host)": f"{site.off_host_base}/artikel/1-elders",
        "Omleiding naar elders": site.url("/misbehave/redirect-offhost"),
        "Betaald": paid,
        "Liveblog": site.url("/liveblog/2484500-oorlog-in-oekraine-dag-524"),
    }
    items = "".join(
        f"<item><title>{escape(title)}</title><link>{escape(url)}</link>"
        f"<description>{escape(title)}: de samenvatting.</description></item>"
        for title, url in links.items()
    )
    feed = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>b</title>{items}</channel></rss>'
    )
    return site.add_page(FEED, feed.encode(), "application/rss+xml")


def poll(site: NosSite, engine: Engine, feed_url: str, wall: str | None = None) -> IngestReport:
    source = SourceConfig(
        name="beleid", kind="rss", url=feed_url, allowed_hosts=site.hosts, wall=wall
    )
    config = SourcesConfig(fetch=site.fetch_config(), sources=(source,))
    return run_ingest(IngestContext(engine, config))


def outcomes(engine: Engine) -> dict[str, str]:
    with session_scope(engine) as session:
        return {row.url: row.outcome for row in session.scalars(select(FetchLog))}


def test_a_feed_with_refused_items_settles_a_second_poll_is_one_304(
    site: NosSite, engine: Engine
) -> None:
    """On SQLite and PostgreSQL: robots, off-host, a paywall and a live blog are answers."""
    feed_url = refusing_feed(site)
    first = poll(site, engine, feed_url)
    assert first.sources["beleid"].new >= 1
    site.reset_log()

    second = poll(site, engine, feed_url)

    requests = [(r.path, r.status) for r in site.requests() if r.path != "/robots.txt"]
    assert requests == [(FEED, 304)]
    assert second.sources["beleid"].not_modified == 1
    assert second.status == "ok"


def test_an_off_host_redirect_is_no_consent_wall_where_the_source_has_none(
    site: NosSite, engine: Engine
) -> None:
    """On SQLite and PostgreSQL: no teaser is stored for a redirect off the source's hosts."""
    feed_url = refusing_feed(site)
    poll(site, engine, feed_url)

    redirect = site.url("/misbehave/redirect-offhost")
    assert outcomes(engine)[redirect] == "off_host"
    with session_scope(engine) as session:
        urls = set(session.scalars(select(Article.canonical_url)))
    assert redirect not in urls


def test_an_off_host_redirect_is_a_consent_wall_where_the_source_has_one(
    site: NosSite, engine: Engine
) -> None:
    """On SQLite and PostgreSQL: the feed item's teaser stands in for the walled article."""
    feed_url = refusing_feed(site)
    poll(site, engine, feed_url, wall="consent")

    redirect = site.url("/misbehave/redirect-offhost")
    assert outcomes(engine)[redirect] == "consent_wall"
    with session_scope(engine) as session:
        teaser = session.scalars(select(Article).where(Article.canonical_url == redirect)).one()
        assert teaser.text_source == "feed"
