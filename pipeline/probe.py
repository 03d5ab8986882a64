"""A live probe of configured sources: can newsmon read each one, and what would it get?

``newsmon sources check`` runs this before a source is enabled. Per source: robots.txt, the
listing (status, items, newest date) and one sample article, all through the polite client and
the discovery and extraction functions that ingest uses; nothing is stored. Walls are reported,
never bypassed: a redirect to another host's consent page is refused by the client before any
request, and a page marked not free is not used; either way only the feed's title and summary
would be (``text_source = "feed"``). Every finding that stops a source from giving full articles
is a problem; a source without problems is ok.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from pipeline.probe_results import SampleProbe, SourceProbe
from scrapers.archive import parse_archive_page, today_in_amsterdam
from scrapers.candidates import Candidate
from scrapers.errors import ScraperError
from scrapers.extract import decode_html, extract_page
from scrapers.feeds import parse_feed
from scrapers.fetch_result import FetchResult, Outcome
from scrapers.http import Expect, PoliteClient
from scrapers.pacing import HostPacer
from scrapers.robots import RobotsPolicy
from scrapers.sitemaps import Sitemap, parse_sitemap, sitemap_candidates
from scrapers.sources import FetchConfig, SourceConfig
from scrapers.walls import page_paywall_marker

ACCEPT: dict[str, Expect] = {"rss": "feed", "sitemap": "sitemap", "archive": "html"}
_OLDEST = datetime.min.replace(tzinfo=UTC)


@dataclass
class _Fetcher:
    """The run's polite client; a URL that several sources ask for is fetched once."""

    client: PoliteClient
    config: FetchConfig
    _fetches: dict[tuple[str, str, tuple[str, ...]], asyncio.Task[FetchResult]] = field(
        default_factory=dict
    )

    async def get(self, source: SourceConfig, url: str, accept: Expect) -> FetchResult:
        key = (url, accept, source.allowed_hosts)
        if key not in self._fetches:
            fetch = self.client.fetch(
                url,
                allowed_hosts=source.allowed_hosts,
                accept=accept,
                min_interval_s=source.interval_s(self.config),
            )
            self._fetches[key] = asyncio.ensure_future(fetch)
        return await self._fetches[key]


@dataclass(slots=True)
class _Listing:
    fetched: FetchResult
    candidates: list[Candidate] = field(default_factory=list)
    problem: str | None = None


def probe_sources(
    sources: list[SourceConfig],
    fetch: FetchConfig,
    pacer: HostPacer | None = None,
    day: date | None = None,
) -> list[SourceProbe]:
    """Probe ``sources`` (in order) with one polite client; archives read ``day`` (today)."""
    return asyncio.run(aprobe_sources(sources, fetch, pacer=pacer, day=day))


async def aprobe_sources(
    sources: list[SourceConfig],
    fetch: FetchConfig,
    pacer: HostPacer | None = None,
    day: date | None = None,
) -> list[SourceProbe]:
    """The async form of :func:`probe_sources`: sources run together, paced per host."""
    async with PoliteClient(fetch, pacer=pacer) as client:
        fetcher = _Fetcher(client, fetch)
        return list(await asyncio.gather(*(_probe(source, fetcher, day) for source in sources)))


async def _probe(source: SourceConfig, fetcher: _Fetcher, day: date | None) -> SourceProbe:
    """robots.txt, the listing and one sample article of ``source``."""
    listing_url = (
        source.url_for(day or today_in_amsterdam()) if source.kind == "archive" else source.url
    )
    policy = await fetcher.client.robots_policy(listing_url)
    robots = _robots_verdict(policy, listing_url)
    if robots != "allowed":
        note = f" ({policy.note})" if policy.note else ""
        if robots == "unreachable":
            problem = f"{urlsplit(listing_url).hostname} is unreachable{note}"
        else:
            problem = f"robots.txt disallows the listing {listing_url}{note}"
        return SourceProbe(source.name, source.enabled, listing_url, robots, problems=(problem,))

    listing = await _listing(source, fetcher, listing_url)
    problems = [listing.problem] if listing.problem else []
    if listing.problem is None and not listing.candidates:
        problems.append(f"the listing {listing_url} has no items")
    dated = [c.published_at for c in listing.candidates if c.published_at is not None]
    sample = None
    if listing.candidates:
        sample, sample_problems = await _sample(source, fetcher, _pick(listing.candidates))
        problems += sample_problems
    return SourceProbe(
        source=source.name,
        enabled=source.enabled,
        listing_url=listing_url,
        robots=robots,
        listing_status=listing.fetched.status_code,
        listing_outcome=str(listing.fetched.outcome),
        items=len(listing.candidates),
        newest=max(dated) if dated else None,
        sample=sample,
        problems=tuple(problems),
    )


def _robots_verdict(policy: RobotsPolicy, url: str) -> str:
    if policy.state == "unreachable":
        return "unreachable"
    return "allowed" if policy.allows(url) else "disallowed"


async def _listing(source: SourceConfig, fetcher: _Fetcher, url: str) -> _Listing:
    """The listing's candidates: a feed, an archive day page, or a sitemap (for an index, its
    newest child sitemap)."""
    fetched = await fetcher.get(source, url, ACCEPT[source.kind])
    listing = _Listing(fetched)
    if not fetched.ok or fetched.body is None:
        listing.problem = f"listing {url}: {_failure(fetched)}"
        return listing
    final = fetched.final_url or url
    try:
        if source.kind == "rss":
            listing.candidates = parse_feed(fetched.body, final, source.name, fetched.content_type)
        elif source.kind == "archive":
            html = decode_html(fetched.body, fetched.content_type)
            listing.candidates = parse_archive_page(html, final, source.name)
        else:
            sitemap = parse_sitemap(fetched.body, final)
            if sitemap.kind == "index":
                child = await _newest_child(source, fetcher, sitemap, listing)
                if child is None:
                    return listing
                sitemap = child
            listing.candidates = sitemap_candidates(sitemap, source.name)
    except ScraperError as exc:  # its message names the URL
        listing.problem = f"listing: {exc}"
    return listing


async def _newest_child(
    source: SourceConfig, fetcher: _Fetcher, index: Sitemap, listing: _Listing
) -> Sitemap | None:
    """The child sitemap of ``index`` with the newest lastmod; a problem on ``listing`` if none."""
    if not index.urls:
        listing.problem = f"sitemap index {listing.fetched.url} lists no sitemaps"
        return None
    newest = max(index.urls, key=lambda entry: entry.lastmod or _OLDEST).loc
    child = await fetcher.get(source, newest, "sitemap")
    if not child.ok or child.body is None:
        listing.problem = f"child sitemap {newest}: {_failure(child)}"
        return None
    sitemap = parse_sitemap(child.body, child.final_url or newest)
    if sitemap.kind != "urlset":
        listing.problem = f"child sitemap {newest} is another index, not a list of pages"
        return None
    return sitemap


def _pick(candidates: list[Candidate]) -> Candidate:
    """The newest dated item, else the first listed."""
    dated = [c for c in candidates if c.published_at is not None]
    return max(dated, key=lambda c: c.published_at or _OLDEST) if dated else candidates[0]


async def _sample(
    source: SourceConfig, fetcher: _Fetcher, item: Candidate
) -> tuple[SampleProbe, list[str]]:
    """Fetch and extract one listed article; a wall or a failure gives the feed's teaser."""
    fetched = await fetcher.get(source, item.url, "html")
    teaser = "feed" if item.title or item.summary else None
    usable = "only the feed's title and summary are usable" if teaser else "nothing is usable"
    seen = SampleProbe(
        url=item.url,
        outcome=str(fetched.outcome),
        status=fetched.status_code,
        final_url=fetched.final_url,
        title=item.title,
        text_source=teaser,
    )
    if fetched.outcome is Outcome.OFF_HOST and fetched.redirects:
        host = urlsplit(fetched.final_url).hostname or fetched.final_url
        problem = f"consent wall: {item.url} redirects to {host} (not fetched); {usable}"
        return replace(seen, wall="consent", wall_detail=host), [problem]
    if not fetched.ok or fetched.body is None:
        return seen, [f"sample article {item.url}: {_failure(fetched)}; {usable}"]

    html = decode_html(fetched.body, fetched.content_type)
    marker = page_paywall_marker(html, fetched.final_url or item.url)
    problems: list[str] = []
    if marker is not None:
        seen = replace(seen, wall="paywall", wall_detail=marker)
        problems.append(f"paywall: {item.url} is marked '{marker}'; {usable}")
    try:
        page = extract_page(html, fetched.final_url or item.url)
    except ScraperError as exc:
        if marker is None:
            problems.append(f"sample article: {exc}; {usable}")
        return seen, problems
    read = replace(
        seen,
        chars=len(page.text),
        title=page.title or item.title,
        published=page.published_at,
        author=page.author,
    )
    return (read if marker else replace(read, text_source="page")), problems


def _failure(fetched: FetchResult) -> str:
    """``http_error: HTTP 500``, ``timeout: no answer within 20 s …``."""
    if fetched.error:
        return f"{fetched.outcome}: {fetched.error}"
    status = f" (HTTP {fetched.status_code})" if fetched.status_code else ""
    return f"{fetched.outcome}{status}"
