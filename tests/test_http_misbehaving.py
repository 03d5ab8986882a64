"""Every misbehaving endpoint ends as its recorded outcome; nothing raises, the rest works."""

from __future__ import annotations

import asyncio

from scrapers.fetch_result import FetchResult
from scrapers.http import PoliteClient
from tests.site import NosSite


def test_every_misbehaving_endpoint_ends_as_its_outcome(site: NosSite) -> None:
    paths = [*site.misbehaving, site.content.articles[0].path]

    async def go() -> list[FetchResult]:
        async with PoliteClient(site.fetch_config()) as client:
            return list(
                await asyncio.gather(
                    *(
                        client.fetch(site.url(p), allowed_hosts=site.hosts, accept="html")
                        for p in paths
                    )
                )
            )

    results = asyncio.run(go())
    got = {path: str(result.outcome) for path, result in zip(paths, results, strict=True)}
    expected = {**site.misbehaving, site.content.articles[0].path: "ok"}
    assert got == expected
    for result in results:
        assert result.ok == (result.body is not None)
        assert result.ok or result.error
    assert site.requests(server="trap") == [] and site.requests(prefix="/intern/") == []
