"""Discover: read one source's feed, sitemap or archive day page into candidates.

Every listing request goes through the polite client and is written to the fetch log. A poll
fetches feeds and sitemaps conditionally (stored ETag / Last-Modified), so an unchanged feed
costs one 304 and yields no candidates. The new validators are only kept in the
:class:`Discovery`: the run record stores them once the listed articles are stored,
so a run that dies half-way leaves the old ones and the next poll reads the listing again.
``refetch`` and a backfill (a ``day``) read listings unconditionally and keep no validators.
Bad listings become errors in the :class:`Discovery`, never exceptions.
"""

from __future__ import annotations

import logging
from datetime import date

from pipeline.ingest.fetch import fetch_page
from pipeline.ingest.store import (
    listing_validators,
    log_listing,
    moved_listing,
    remember_listing_gone,
    remember_listing_move,
    source_gone,
    source_row_id,
)
from pipeline.run_state import (
    DISCOVERY_FAILED,
    DISCOVERY_NOT_MODIFIED,
    DISCOVERY_OK,
    Discovery,
    RunState,
)
from scrapers.archive import parse_archive_page, today_in_amsterdam
from scrapers.candidates import Candidate, unique_candidates
from scrapers.errors import ScraperError
from scrapers.extract import decode_html
from scrapers.feeds import parse_feed
from scrapers.fetch_result import FetchResult
from scrapers.outcomes import GONE_STATUS_CODES, ErrorRecord, Outcome
from scrapers.sitemaps import index_children, parse_sitemap, sitemap_candidates
from scrapers.sources import SourceConfig

log = logging.getLogger(__name__)

MAX_CHILD_SITEMAPS = 5  # per run without a day: the newest few, not a whole site's history


async def discover_source(
    source: SourceConfig, run: RunState, day: date | None = None
) -> Discovery:
    """Candidates of ``source`` (for archives, the page of ``day``, default today in NL)."""
    discovery = Discovery(source_name=source.name)
    if source.kind == "archive":
        url = source.url_for(day or today_in_amsterdam())
        fetched = await _fetch_listing(run, source, discovery, url, "html", polling=False)
        discovery.listing_urls.append(url)
        if _listing_failed(discovery, fetched) or fetched.body is None:
            return discovery
        try:
            html = decode_html(fetched.body, fetched.content_type)
            found = parse_archive_page(html, fetched.final_url or url, source.name)
        except ScraperError as exc:
            return _failed(discovery, url, Outcome.PARSE_ERROR, str(exc))
        discovery.candidates = found
        return discovery

    if source_gone(run, source) is not None:
        log.info("source %s: skipped, its listing answered 410 Gone", source.name)
        return _gone(discovery, source, source.url)
    accept = "feed" if source.kind == "rss" else "sitemap"
    listing_url = moved_listing(run, source) or source.url
    fetched = await _fetch_listing(run, source, discovery, listing_url, accept, day is None)
    discovery.listing_urls.append(listing_url)
    _remember_move(run, source, fetched)
    if fetched.status_code in GONE_STATUS_CODES:
        remember_listing_gone(run, source)
        return _gone(discovery, source, listing_url)
    if _listing_failed(discovery, fetched) or fetched.body is None:
        return discovery
    try:
        if source.kind == "rss":
            discovery.candidates = parse_feed(
                fetched.body, fetched.final_url or source.url, source.name, fetched.content_type
            )
        else:
            discovery.candidates = await _sitemap(discovery, source, run, fetched, day)
    except ScraperError as exc:
        return _failed(discovery, source.url, Outcome.PARSE_ERROR, str(exc))
    return discovery


async def _sitemap(
    discovery: Discovery,
    source: SourceConfig,
    run: RunState,
    fetched: FetchResult,
    day: date | None,
) -> list[Candidate]:
    assert fetched.body is not None
    sitemap = parse_sitemap(fetched.body, fetched.final_url or source.url)
    if sitemap.kind == "urlset":
        return sitemap_candidates(sitemap, source.name, day)
    children = index_children(sitemap, day)
    if day is None:
        children = children[:MAX_CHILD_SITEMAPS]
    found: list[Candidate] = []
    for child_url in children:
        child = await _fetch_listing(run, source, discovery, child_url, "sitemap", day is None)
        discovery.listing_urls.append(child_url)
        if child.outcome == Outcome.NOT_MODIFIED:
            continue
        if child.outcome != Outcome.OK or child.body is None:
            discovery.errors.append(ErrorRecord.of(child_url, child.outcome, child.error))
            continue
        try:
            child_map = parse_sitemap(child.body, child.final_url or child_url)
        except ScraperError as exc:
            discovery.errors.append(ErrorRecord.of(child_url, Outcome.PARSE_ERROR, str(exc)))
            continue
        if child_map.kind == "urlset":
            found.extend(sitemap_candidates(child_map, source.name, day))
    return unique_candidates(found)


async def _fetch_listing(
    run: RunState,
    source: SourceConfig,
    discovery: Discovery,
    url: str,
    accept: str,
    polling: bool,
) -> FetchResult:
    """Fetch a listing (feed, sitemap, day page) and log it; a poll (``polling``) sends the
    stored validators (unless re-checking) and keeps the new ones in
    ``discovery.validators``, saved only once the run is recorded."""
    source_id = source_row_id(run, source)
    validators = None
    if polling and not run.ctx.refetch:
        validators = listing_validators(run, url)
    fetched = await fetch_page(
        run,
        source,
        url,
        etag=validators.etag if validators else None,
        last_modified=validators.last_modified if validators else None,
        accept=accept,
    )
    log_listing(run, source_id, fetched)
    if polling and fetched.outcome == Outcome.OK:
        discovery.validators[url] = (fetched.etag, fetched.last_modified)
    return fetched


def _remember_move(run: RunState, source: SourceConfig, fetched: FetchResult) -> None:
    """A listing that moved for good (301/308) and answered at its new URL is polled there
    from now on; the configured URL stays in the configuration."""
    if fetched.moved_to and fetched.outcome in (Outcome.OK, Outcome.NOT_MODIFIED):
        log.info("source %s: listing moved for good to %s", source.name, fetched.moved_to)
        remember_listing_move(run, source, fetched.moved_to)


def _gone(discovery: Discovery, source: SourceConfig, url: str) -> Discovery:
    """The source's listing answered 410 Gone (now or before): the source is ``gone``."""
    why = (
        "410 Gone: the listing was removed; not polled until its URL changes in the "
        f"configuration or `newsmon sources reenable {source.name}`"
    )
    _failed(discovery, url, Outcome.HTTP_ERROR, why)
    discovery.status_code = 410
    return discovery


def _listing_failed(discovery: Discovery, fetched: FetchResult) -> bool:
    """Record a listing that was unchanged or failed; True when there is nothing to parse."""
    discovery.outcome = fetched.outcome
    discovery.status_code = fetched.status_code
    if fetched.outcome == Outcome.NOT_MODIFIED:
        discovery.status = DISCOVERY_NOT_MODIFIED
        return True
    if fetched.outcome != Outcome.OK:
        _failed(discovery, fetched.url, fetched.outcome, fetched.error)
        return True
    discovery.status = DISCOVERY_OK
    return False


def _failed(discovery: Discovery, url: str, outcome: Outcome, error: str | None) -> Discovery:
    # INFO: the run's report shows every failed listing once (the CLI's table, the digest's
    # source health); a warning here printed each twice.
    log.info("source %s: listing %s failed: %s %s", discovery.source_name, url, outcome, error)
    discovery.status = DISCOVERY_FAILED
    discovery.outcome = outcome
    discovery.errors.append(ErrorRecord.of(url, outcome, error))
    discovery.candidates = []
    return discovery
