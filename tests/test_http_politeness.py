"""Politeness as the server saw it: User-Agent, robots.txt, per-host interval, concurrency cap."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence

from scrapers.fetch_result import FetchResult, Outcome
from scrapers.http import PoliteClient
from scrapers.pacing import InProcessPacer
from scrapers.sources import FetchConfig
from tests.site import NosSite
from tests.site.feeds import ROBOTS_DISALLOWED_PATH

# The server's timestamps are taken in its own threads; on a busy machine a thread can wake a
# few tens of milliseconds late. Single gaps get this much slack, the mean gap almost none.
TOLERANCE_S = 0.04
MEAN_TOLERANCE_S = 0.005


def assert_spaced(starts: list[float], interval: float) -> None:
    gaps = [b - a for a, b in itertools.pairwise(sorted(starts))]
    assert min(gaps) >= interval - TOLERANCE_S, gaps
    assert sum(gaps) / len(gaps) >= interval - MEAN_TOLERANCE_S, gaps


async def fetch_all(site: NosSite, config: FetchConfig, paths: Sequence[str]) -> list[FetchResult]:
    async with PoliteClient(config) as client:
        return list(
            await asyncio.gather(
                *(client.fetch(site.url(p), allowed_hosts=site.hosts) for p in paths)
            )
        )


def article_paths(site: NosSite) -> list[str]:
    return [a.path for a in site.content.articles]


def test_every_request_carries_the_configured_user_agent(site: NosSite) -> None:
    config = site.fetch_config(user_agent="newsmon-test/9 (+https://example.org/contact)")
    asyncio.run(fetch_all(site, config, article_paths(site)[:3]))
    agents = {r.user_agent for r in site.requests()}
    assert agents == {"newsmon-test/9 (+https://example.org/contact)"}


def test_per_host_interval_holds_under_concurrency(site: NosSite) -> None:
    config = site.fetch_config(min_interval_s=0.2, max_concurrency=8)
    paths = article_paths(site)[:10]
    results = asyncio.run(fetch_all(site, config, paths))
    assert all(r.ok for r in results)
    starts = [r.t for r in site.requests()]
    assert len(starts) == len(paths) + 1  # + robots.txt
    assert_spaced(starts, 0.2)


def test_per_source_interval_override(site: NosSite) -> None:
    async def go() -> None:
        async with PoliteClient(site.fetch_config(min_interval_s=0.0)) as client:
            await asyncio.gather(
                *(
                    client.fetch(site.url(p), allowed_hosts=site.hosts, min_interval_s=0.15)
                    for p in article_paths(site)[:5]
                )
            )

    asyncio.run(go())
    assert_spaced([r.t for r in site.requests(prefix="/artikel/")], 0.15)


def test_global_concurrency_cap(site: NosSite) -> None:
    config = site.fetch_config(min_interval_s=0.0, max_concurrency=3, timeout_s=5)
    paths = [f"/misbehave/slow?delay=0.3&k={i}" for i in range(9)]
    results = asyncio.run(fetch_all(site, config, paths))
    assert all(r.ok for r in results)
    spans = [(r.t, r.t_end or r.t) for r in site.requests(path="/misbehave/slow")]
    # A span ends when the server has written the answer; its thread may note that a little
    # after the client already started the next request, hence the 20 ms trim.
    peak = max(sum(1 for s, e in spans if s <= t < e - 0.02) for t, _ in spans)
    assert peak == 3


def test_robots_disallowed_paths_are_never_requested(site: NosSite) -> None:
    config = site.fetch_config()
    paths = [ROBOTS_DISALLOWED_PATH, "/zoeken?q=belarus", "/artikel/2478335-x?preview=1"]
    results = asyncio.run(fetch_all(site, config, paths))
    assert [r.outcome for r in results] == [Outcome.ROBOTS_DISALLOWED] * 3
    assert site.requests(prefix="/intern/") == []
    assert site.requests(path="/zoeken") == []
    assert [r.path for r in site.requests()] == ["/robots.txt"]


def test_robots_txt_is_fetched_once_per_host(site: NosSite) -> None:
    asyncio.run(fetch_all(site, site.fetch_config(min_interval_s=0.0), article_paths(site)))
    assert site.count("/robots.txt") == 1


def test_feed_items_off_host_or_disallowed_are_not_requested(site: NosSite) -> None:
    """Fetch every link of the general feed: the off-host and /intern/ items cost nothing."""
    import feedparser

    async def go() -> list[FetchResult]:
        async with PoliteClient(site.fetch_config(min_interval_s=0.0)) as client:
            feed = await client.fetch(
                site.url("/nosnieuwsalgemeen"), allowed_hosts=site.hosts, accept="feed"
            )
            links = [e.link for e in feedparser.parse(feed.body).entries]
            return list(
                await asyncio.gather(
                    *(client.fetch(link, allowed_hosts=site.hosts) for link in links)
                )
            )

    results = asyncio.run(go())
    outcomes = {r.url.rsplit("/", 1)[-1]: r.outcome for r in results}
    assert outcomes["2481000-belarus-nieuws-elders"] == Outcome.OFF_HOST
    assert outcomes["2480999-concept-wagner-niet-publiceren"] == Outcome.ROBOTS_DISALLOWED
    assert sum(r.ok for r in results) == len(results) - 2
    assert site.requests(server="trap") == []
    assert site.requests(prefix="/intern/") == []
    assert site.trap_available  # the trap was listening, so "no request" is meaningful


def test_pacer_counts_from_the_granted_start() -> None:
    """A waiter that wakes late pushes the next turn back instead of shortening its gap."""
    now = [100.0]
    grants: list[float] = []

    async def late_sleep(seconds: float) -> None:
        now[0] += seconds + 0.3

    pacer = InProcessPacer(clock=lambda: now[0], sleep=late_sleep)

    async def go() -> None:
        for _ in range(3):
            await pacer.wait_turn("nos.nl", 1.0)
            grants.append(now[0])
        await pacer.wait_turn("feeds.nos.nl", 1.0)
        grants.append(now[0])

    asyncio.run(go())
    assert grants == [100.0, 101.3, 102.6, 102.6]


def test_pacer_spaces_concurrent_callers() -> None:
    pacer = InProcessPacer()
    grants: list[float] = []

    async def one() -> None:
        await pacer.wait_turn("nos.nl", 0.05)
        grants.append(time.monotonic())

    async def go() -> None:
        await asyncio.gather(*(one() for _ in range(6)))

    asyncio.run(go())
    assert min(b - a for a, b in itertools.pairwise(grants)) >= 0.05
