"""Candidates: article URLs found by discovery, with what the listing said about them.

Every discovery method (feed, sitemap, archive day page) produces the same plain dataclass, so
the ingest core treats them alike. The canonical URL (``processing.urls.canonicalize_url``) is
what dedup and storage key on; the original URL is what gets fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from processing.urls import canonicalize_url

# Where a candidate's published time came from.
DATE_FROM_FEED = "feed"
DATE_FROM_SITEMAP = "sitemap"
DATE_FROM_ARCHIVE = "archive"


@dataclass(slots=True, frozen=True)
class Candidate:
    """One article URL to fetch, with the listing's metadata (all optional but the URL)."""

    canonical_url: str
    url: str
    source_name: str
    origin: str  # rss | sitemap | archive
    title: str | None = None
    published_at: datetime | None = None
    date_source: str | None = None  # feed | sitemap | archive
    summary: str | None = None
    guid: str | None = None


def make_candidate(
    url: str,
    source_name: str,
    origin: str,
    *,
    title: str | None = None,
    published_at: datetime | None = None,
    date_source: str | None = None,
    summary: str | None = None,
    guid: str | None = None,
) -> Candidate:
    """A candidate for ``url`` with its canonical form filled in."""
    url = url.strip()
    return Candidate(
        canonical_url=canonicalize_url(url),
        url=url,
        source_name=source_name,
        origin=origin,
        title=(title or "").strip() or None,
        published_at=published_at,
        date_source=date_source if published_at is not None else None,
        summary=(summary or "").strip() or None,
        guid=(guid or "").strip() or None,
    )


def unique_candidates(candidates: list[Candidate]) -> list[Candidate]:
    """Drop repeats of a canonical URL, keeping the first (listing order is kept)."""
    seen: set[str] = set()
    out: list[Candidate] = []
    for candidate in candidates:
        if candidate.canonical_url in seen:
            continue
        seen.add(candidate.canonical_url)
        out.append(candidate)
    return out
