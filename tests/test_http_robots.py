"""robots.txt per RFC 9309: rules, and what an unavailable or unreachable robots.txt means."""

from __future__ import annotations

import asyncio
import socket

from scrapers.fetch_result import FetchResult, Outcome
from scrapers.http import PoliteClient
from scrapers.robots import ROBOTS_MAX_BYTES, origin_of, parse_robots, product_token
from scrapers.sources import FetchConfig
from tests.site import NosSite

UA = "newsmon/0.1 (+https://example.org/newsmon)"
ARTICLE = "/artikel/2478335-loekasjenko-eerste-russische-kernwapens-zijn-in-belarus"
INTERN = "/intern/artikel/2480999-concept-wagner-niet-publiceren"


def padded_robots(head: str, tail: str, cut_inside_tail: int = 0) -> bytes:
    """``head``, comment lines, then ``tail`` starting ``cut_inside_tail`` bytes before the
    500 KiB cap (0: the whole tail lies past it)."""
    filler = ROBOTS_MAX_BYTES - cut_inside_tail - len(head)
    line = "#" * 99 + "\n"
    padding = line * (filler // len(line))
    padding += line[-(filler - len(padding)) :] if filler > len(padding) else ""
    body = (head + padding + tail).encode()
    assert body.index(tail.encode()) == ROBOTS_MAX_BYTES - cut_inside_tail
    return body


def fetch_twice(site: NosSite, path: str, **config: object) -> list[FetchResult]:
    async def go() -> list[FetchResult]:
        async with PoliteClient(site.fetch_config(**config)) as client:
            return [await client.fetch(site.url(path), allowed_hosts=site.hosts) for _ in range(2)]

    return asyncio.run(go())


def test_longest_match_wins_and_allow_wins_ties() -> None:
    policy = parse_robots(
        "User-agent: *\nDisallow: /nieuws/\nAllow: /nieuws/archief/\n"
        "Disallow: /a\nAllow: /a\nDisallow: /*.pdf$\nDisallow: /*?preview=\n",
        UA,
    )
    assert not policy.allows("https://nos.nl/nieuws/x")
    assert policy.allows("https://nos.nl/nieuws/archief/2023-06-14")
    assert policy.allows("https://nos.nl/a")
    assert not policy.allows("https://nos.nl/stukken/brief.pdf")
    assert policy.allows("https://nos.nl/stukken/brief.pdf?x=1")
    assert not policy.allows("https://nos.nl/artikel/1-x?preview=1")
    assert policy.allows("https://nos.nl/robots.txt")


def test_our_own_group_replaces_the_star_group() -> None:
    text = (
        "User-agent: *\nDisallow: /\n\n"
        "User-agent: NewsMon\nUser-agent: other\nDisallow: /intern/\nCrawl-delay: 2\n\n"
        "User-agent: newsmon\nDisallow: /zoeken\nSitemap: https://nos.nl/sitemap.xml\n"
    )
    policy = parse_robots(text, UA)
    assert policy.allows("https://nos.nl/artikel/1-x")
    assert not policy.allows("https://nos.nl/intern/a") and not policy.allows(
        "https://nos.nl/zoeken"
    )
    assert policy.crawl_delay_s == 2.0
    assert policy.sitemaps == ("https://nos.nl/sitemap.xml",)
    assert parse_robots(text, "other/1").allows("https://nos.nl/artikel/1-x")
    assert not parse_robots(text, "thirdbot/1").allows("https://nos.nl/artikel/1-x")


def test_empty_or_junk_robots_allow_everything() -> None:
    assert parse_robots("", UA).allows("https://nos.nl/x")
    assert parse_robots("<html>oops</html>\nDisallow: /x", UA).allows("https://nos.nl/x")
    assert parse_robots("User-agent: *\nDisallow:\n", UA).allows("https://nos.nl/x")


def test_product_token_and_origin() -> None:
    assert product_token(UA) == "newsmon"
    assert origin_of("HTTPS://NOS.nl:443/a?b") == "https://nos.nl"
    assert origin_of("http://127.0.0.1:8080/x") == "http://127.0.0.1:8080"


def test_a_5xx_robots_txt_disallows_the_host_for_the_run(site: NosSite) -> None:
    site.add_page("/robots.txt", b"kapot", content_type="text/plain", status=503)
    results = fetch_twice(site, ARTICLE, retries=1)
    assert [r.outcome for r in results] == [Outcome.ROBOTS_DISALLOWED] * 2
    assert "503" in (results[0].error or "")
    assert site.count(ARTICLE) == 0
    assert site.count("/robots.txt") == 2  # one fetch with one retry, then cached


def test_a_4xx_robots_txt_allows_everything(site: NosSite) -> None:
    site.add_page("/robots.txt", b"weg", content_type="text/plain", status=404)
    results = fetch_twice(site, INTERN)
    assert [r.outcome for r in results] == [Outcome.OK] * 2
    assert site.count("/robots.txt") == 1


def test_an_unreachable_robots_txt_means_nothing_is_fetched() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    async def go() -> FetchResult:
        config = FetchConfig(retries=1, backoff_base_s=0.01, backoff_max_s=0.02)
        async with PoliteClient(config) as client:
            return await client.fetch(f"http://127.0.0.1:{port}/x", allowed_hosts=["127.0.0.1"])

    result = asyncio.run(go())
    assert result.outcome == Outcome.CONNECT_ERROR
    assert (result.error or "").startswith("robots.txt unreachable")


def test_crawl_delay_slows_the_host_down(site: NosSite) -> None:
    site.add_page("/robots.txt", b"User-agent: *\nCrawl-delay: 0.3\n", content_type="text/plain")

    async def go() -> None:
        async with PoliteClient(site.fetch_config(min_interval_s=0.0)) as client:
            await asyncio.gather(
                *(
                    client.fetch(site.url(a.path), allowed_hosts=site.hosts)
                    for a in site.content.articles[:3]
                )
            )

    asyncio.run(go())
    starts = sorted(r.t for r in site.requests(prefix="/artikel/"))
    assert starts[2] - starts[0] >= 0.6 - 0.04


def test_a_robots_txt_over_500_kib_is_obeyed_up_to_the_cap(site: NosSite) -> None:
    body = padded_robots("User-agent: *\nDisallow: /intern/\n", "Disallow: /artikel/\n" * 100)
    assert len(body) > 512_000
    site.add_page("/robots.txt", body, content_type="text/plain")
    assert fetch_twice(site, INTERN)[0].outcome == Outcome.ROBOTS_DISALLOWED
    assert site.count(INTERN) == 0
    # The rules past the first 500 KiB are not read (RFC 9309 2.5).
    assert fetch_twice(site, ARTICLE)[0].outcome == Outcome.OK


def test_a_line_cut_by_the_size_cap_is_dropped_not_obeyed_in_part(site: NosSite) -> None:
    # The cap falls right after "Disallow: /": obeying that fragment would disallow the host.
    tail = "Disallow: /zoeken\n" * 10
    body = padded_robots("User-agent: *\nDisallow: /intern/\n", tail, len("Disallow: /"))
    site.add_page("/robots.txt", body, content_type="text/plain")
    assert fetch_twice(site, ARTICLE)[0].outcome == Outcome.OK
    assert fetch_twice(site, INTERN)[0].outcome == Outcome.ROBOTS_DISALLOWED
