"""Plain data that crosses from the pipeline stages into storage.

Scrapers produce :class:`ArticleRecord`; processing adds hashes, signatures and tags; storage
writes it. Keeping the contract here (the lowest layer) lets every stage import it without
importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.models import PRECISION_UNKNOWN


@dataclass(slots=True)
class ArticleRecord:
    """An article as extracted from a page, a feed item or a seed file."""

    canonical_url: str
    title: str
    text: str
    origin: str  # seed | rss | sitemap | archive
    url: str | None = None
    source_name: str | None = None
    author: str | None = None
    language: str | None = None
    published_at: datetime | None = None
    date_precision: str = PRECISION_UNKNOWN
    date_source: str | None = None
    date_conflict: str | None = None
    seed_file: str | None = None
    # page | feed (a teaser: the page stood behind a wall) | seed; None: seed for origin
    # "seed", else page.
    text_source: str | None = None


@dataclass(slots=True)
class TopicMatch:
    """One topic an article matched, with its score and evidence spans."""

    slug: str
    label: str
    score: float
    evidence: list[dict[str, Any]] = field(default_factory=list)
