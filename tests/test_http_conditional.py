"""Conditional GET: an unchanged feed costs one request answered 304 and no body."""

from __future__ import annotations

import asyncio

from scrapers.fetch_result import FetchResult, Outcome
from scrapers.http import PoliteClient
from tests.site import NosSite

FEED = "/nosnieuwsalgemeen"


def poll(site: NosSite, etag: str | None, last_modified: str | None) -> FetchResult:
    async def go() -> FetchResult:
        async with PoliteClient(site.fetch_config()) as client:
            return await client.fetch(
                site.url(FEED),
                allowed_hosts=site.hosts,
                etag=etag,
                last_modified=last_modified,
                accept="feed",
            )

    return asyncio.run(go())


def test_repoll_of_an_unchanged_feed_is_answered_304(site: NosSite) -> None:
    first = poll(site, None, None)
    assert first.outcome == Outcome.OK and first.etag and first.last_modified
    site.reset_log()

    again = poll(site, first.etag, first.last_modified)
    assert again.outcome == Outcome.NOT_MODIFIED and again.status_code == 304
    assert again.body is None and again.text() == ""
    assert (again.etag, again.last_modified) == (first.etag, first.last_modified)
    feed_requests = site.requests(path=FEED)
    assert len(feed_requests) == 1
    assert feed_requests[0].if_none_match == first.etag
    assert feed_requests[0].status == 304
    assert site.requests(prefix="/artikel/") == [] and site.requests(prefix="/l/") == []


def test_if_modified_since_alone_also_gives_304(site: NosSite) -> None:
    first = poll(site, None, None)
    again = poll(site, None, first.last_modified)
    assert again.outcome == Outcome.NOT_MODIFIED
    assert site.requests(path=FEED)[-1].if_modified_since == first.last_modified


def test_a_changed_feed_is_fetched_again(site: NosSite) -> None:
    first = poll(site, None, None)
    site.add_page(
        FEED,
        b"<rss version='2.0'><channel><title>nieuw</title></channel></rss>",
        content_type="application/rss+xml",
    )
    again = poll(site, first.etag, first.last_modified)
    assert again.outcome == Outcome.OK and b"nieuw" in (again.body or b"")
    assert again.etag and again.etag != first.etag
