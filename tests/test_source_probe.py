"""pipeline/probe.py on the local site: every kind of listing (feed, archive day, sitemap index)
is probed through the polite client, one robots.txt per host, an article two sources list is
fetched once, and a sample without article text or a host that does not answer is a problem."""

from __future__ import annotations

import socket
from datetime import date

from pipeline.probe import probe_sources
from scrapers.sources import FetchConfig, SourceConfig
from tests.site import NosSite
from tests.site.feeds import item_for, rss
from tests.site.server import SITE_FETCH_DEFAULTS

DAY = date(2023, 6, 14)


def test_feed_archive_and_sitemap_sources_are_probed_politely(site: NosSite) -> None:
    config = site.sources_config()
    probes = probe_sources(list(config.sources), config.fetch, day=DAY)
    by_name = {probe.source: probe for probe in probes}
    assert [p.source for p in probes] == [s.name for s in config.sources]
    assert all(probe.ok for probe in probes), [p.problems for p in probes]

    archive = by_name["nos-archief"]
    day_articles = [a for a in site.content.on_day(DAY) if a.kind == "artikel"]
    assert archive.listing_url == site.url("/nieuws/archief/2023-06-14")
    assert archive.items == len(day_articles)
    assert archive.newest == max(a.published for a in day_articles)

    sitemap = by_name["nos-sitemap"]
    assert sitemap.items > 0 and site.count("/sitemaps/artikelen.xml") == 1
    for probe in probes:
        assert probe.sample is not None and probe.sample.text_source == "page"
        assert probe.sample.published is not None and probe.sample.chars >= 250

    assert site.count("/robots.txt") == 1
    short_links = [r.path for r in site.requests(prefix="/l/")]  # both feeds' newest item
    assert len(short_links) == 1 == len(set(short_links))
    assert site.requests(server="trap") == []
    assert {r.user_agent for r in site.requests()} == {config.fetch.user_agent}
    assert {r.method for r in site.requests()} == {"GET"}


def test_a_newest_item_without_article_text_leaves_only_the_feed(site: NosSite) -> None:
    blog = site.content.liveblogs[0]
    feed = rss(
        site.base_url, "Live", "/live.xml", [item_for(site.base_url, blog, site.url(blog.path))]
    )
    url = site.add_page("/live.xml", feed.encode(), "application/rss+xml")
    source = SourceConfig(name="live", kind="rss", url=url, allowed_hosts=site.hosts)
    (probe,) = probe_sources([source], site.fetch_config())
    assert probe.items == 1 and not probe.ok
    assert probe.sample is not None
    assert (probe.sample.status, probe.sample.chars, probe.sample.text_source) == (200, 0, "feed")
    assert "live blog" in probe.problems[0] and "feed's title and summary" in probe.problems[0]


def test_a_host_that_does_not_answer_is_reported_unreachable() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    url = f"http://127.0.0.1:{port}/rss.xml"
    source = SourceConfig(name="weg", kind="rss", url=url, allowed_hosts=["127.0.0.1"])
    fetch = FetchConfig(**{**SITE_FETCH_DEFAULTS, "retries": 0})
    (probe,) = probe_sources([source], fetch)
    assert (probe.robots, probe.listing_status, probe.items, probe.sample) == (
        "unreachable",
        None,
        0,
        None,
    )
    assert probe.problems[0].startswith("127.0.0.1 is unreachable")
