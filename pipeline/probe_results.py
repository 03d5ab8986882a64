"""What ``newsmon sources check`` found per source (:mod:`pipeline.probe` fills them in).

Plain frozen dataclasses with their ``--json`` form, so the CLI prints and tests assert the
same fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class SampleProbe:
    """One sample article of a listing: what fetching and extracting it gave."""

    url: str
    outcome: str
    status: int | None = None
    final_url: str | None = None
    chars: int = 0  # characters of article text extracted from the page
    title: str | None = None
    published: datetime | None = None
    author: str | None = None
    wall: str | None = None  # consent | paywall
    wall_detail: str | None = None  # the consent host, or the paywall marker
    text_source: str | None = None  # page | feed | None (nothing usable)

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "outcome": self.outcome,
            "status": self.status,
            "final_url": self.final_url,
            "chars": self.chars,
            "title": self.title,
            "date": _iso(self.published),
            "author": self.author,
            "wall": self.wall,
            "wall_detail": self.wall_detail,
            "text_source": self.text_source,
        }


@dataclass(frozen=True, slots=True)
class SourceProbe:
    """The verdict on one source: ok when ``problems`` is empty."""

    source: str
    enabled: bool
    listing_url: str
    robots: str  # allowed | disallowed | unreachable
    listing_status: int | None = None
    listing_outcome: str | None = None
    items: int = 0
    newest: datetime | None = None
    sample: SampleProbe | None = None
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` line: source, ok, robots, listing_status, items, newest, sample,
        problems (plus enabled, listing_url and listing_outcome)."""
        return {
            "source": self.source,
            "ok": self.ok,
            "enabled": self.enabled,
            "robots": self.robots,
            "listing_url": self.listing_url,
            "listing_status": self.listing_status,
            "listing_outcome": self.listing_outcome,
            "items": self.items,
            "newest": _iso(self.newest),
            "sample": self.sample.as_json() if self.sample else None,
            "problems": list(self.problems),
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
