"""Walls: a consent redirect or a paywalled page gives the feed item's teaser, never a bypass.

A consent wall shows as a redirect to another host (DPG Media sends readers to its consent
host); the polite client refuses that hop before any request to it, so the consent page is
never fetched. A paywall shows as a marker on the fetched page (``scrapers.walls``). Either
way a teaser is stored as the article (``scrapers.teasers``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pipeline.page_parse import PAYWALL
from scrapers.fetch_result import FetchResult, Outcome
from scrapers.sources import SourceConfig, normalize_host

CONSENT_WALL = Outcome.CONSENT_WALL
WALL_OUTCOMES = frozenset({CONSENT_WALL, PAYWALL})
OFF_HOST = Outcome.OFF_HOST


def on_host(url: str, source: SourceConfig) -> bool:
    """Whether ``url`` lies on one of the source's allowed hosts."""
    return normalize_host(urlsplit(url).hostname or "") in source.allowed_hosts


def consent_wall(fetched: FetchResult, source: SourceConfig) -> str | None:
    """The host an article URL redirected off to (refused, never fetched), else None."""
    if fetched.outcome != OFF_HOST or not fetched.redirects:
        return None
    target = fetched.redirects[-1]
    if on_host(target, source):
        return None
    return urlsplit(target).hostname or target
