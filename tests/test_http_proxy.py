"""Behind a proxy: the polite client honours HTTP_PROXY and NO_PROXY from the environment."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from scrapers.fetch_result import FetchResult
from scrapers.http import PoliteClient
from tests.proxy import ForwardProxy
from tests.site import NosSite

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ForwardProxy]:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    with ForwardProxy() as running:
        monkeypatch.setenv("HTTP_PROXY", running.url)
        yield running


def fetch(site: NosSite, path: str) -> FetchResult:
    async def go() -> FetchResult:
        async with PoliteClient(site.fetch_config()) as client:
            return await client.fetch(site.url(path), allowed_hosts=site.hosts, accept="html")

    return asyncio.run(go())


def test_a_fetch_goes_through_the_proxy_named_by_http_proxy(
    site: NosSite, proxy: ForwardProxy
) -> None:
    article = site.content.by_id[2478335]
    result = fetch(site, article.path)
    assert result.ok and article.title in result.text()
    assert site.url(article.path) in proxy.relayed
    assert site.url("/robots.txt") in proxy.relayed  # robots.txt is fetched the same way
    assert [r.status for r in site.requests(article.path)] == [200]  # the proxy's relay


def test_no_proxy_sends_the_host_directly(
    site: NosSite, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    article = site.content.by_id[2478335]
    assert fetch(site, article.path).ok
    assert proxy.relayed == []
