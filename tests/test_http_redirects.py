"""Redirects are followed by hand: every hop is checked, loops and long chains stop."""

from __future__ import annotations

import asyncio

from scrapers.fetch_result import FetchResult, Outcome
from scrapers.http import PoliteClient
from tests.site import NosSite
from tests.site.routes import REDIRECT_CHAIN_END


def fetch(site: NosSite, url: str, **config: object) -> FetchResult:
    async def go() -> FetchResult:
        async with PoliteClient(site.fetch_config(**config)) as client:
            return await client.fetch(url, allowed_hosts=site.hosts, accept="html")

    return asyncio.run(go())


def test_a_redirect_chain_resolves_to_the_final_url(site: NosSite) -> None:
    result = fetch(site, site.url("/misbehave/redirect-chain"))
    assert result.outcome == Outcome.OK
    assert result.final_url == site.url(REDIRECT_CHAIN_END)
    assert len(result.redirects) == 3 and result.attempts == 4
    assert [r.status for r in site.requests(prefix="/misbehave/redirect-chain")] == [
        301,
        302,
        307,
    ]


def test_a_short_link_resolves_to_the_article(site: NosSite) -> None:
    article = site.content.by_id[2478335]
    result = fetch(site, site.url(article.short_path))
    assert result.ok and result.final_url == site.url(article.path)
    assert article.title in result.text()


def test_a_redirect_loop_stops(site: NosSite) -> None:
    result = fetch(site, site.url("/misbehave/redirect-loop"))
    assert result.outcome == Outcome.REDIRECT_ERROR and "loop" in (result.error or "")
    assert site.count("/misbehave/redirect-loop") == 1
    assert site.count("/misbehave/redirect-loop/b") == 1


def test_the_redirect_cap(site: NosSite) -> None:
    result = fetch(site, site.url("/misbehave/redirect-long"), max_redirects=5)
    assert result.outcome == Outcome.REDIRECT_ERROR
    assert len(site.requests(prefix="/misbehave/redirect-long")) == 6
    assert site.count(REDIRECT_CHAIN_END) == 0


def test_no_redirects_at_all_when_the_cap_is_zero(site: NosSite) -> None:
    result = fetch(site, site.url("/l/2478335"), max_redirects=0)
    assert result.outcome == Outcome.REDIRECT_ERROR and site.requests(prefix="/artikel/") == []


def test_a_redirect_off_the_allowed_hosts_is_not_followed(site: NosSite) -> None:
    result = fetch(site, site.url("/misbehave/redirect-offhost"))
    assert result.outcome == Outcome.OFF_HOST and "127.0.0.2" in (result.error or "")
    assert site.requests(server="trap") == []


def test_a_redirect_into_a_disallowed_path_is_not_followed(site: NosSite) -> None:
    result = fetch(site, site.url("/misbehave/redirect-disallowed"))
    assert result.outcome == Outcome.ROBOTS_DISALLOWED
    assert site.requests(prefix="/intern/") == []


def test_a_redirect_to_another_scheme_is_refused(site: NosSite) -> None:
    result = fetch(site, site.url("/misbehave/redirect-ftp"))
    assert result.outcome == Outcome.BAD_SCHEME


def test_urls_that_are_not_http_on_an_allowed_host_are_never_requested(site: NosSite) -> None:
    cases = {
        "javascript:alert(1)": Outcome.BAD_SCHEME,
        "file:///etc/passwd": Outcome.BAD_SCHEME,
        "http://[::1": Outcome.BAD_SCHEME,
        "geen url": Outcome.BAD_SCHEME,
        f"{site.off_host_base}/artikel/1-elders": Outcome.OFF_HOST,
        "http://localhost:1/artikel/1-x": Outcome.OFF_HOST,
    }
    for url, outcome in cases.items():
        assert fetch(site, url).outcome == outcome, url
    assert site.requests(server=None) == []
