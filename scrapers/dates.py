"""Cross-checking an article's published date: listing (feed/sitemap/archive), page, URL.

Each witness may be missing or wrong. Dates in the future or before 1990 are rejected (with a
reason the caller records); of the rest, the listing's date wins, then the page's metadata,
then a date in the URL. When two remaining witnesses disagree by more than a day, the
disagreement is written to ``date_conflict`` so a reader can judge. Witnesses are compared in
UTC; the chosen one keeps the offset it came with (a URL's day: noon in Amsterdam).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from scrapers.outlets import NEWSROOM_ZONE
from storage.models import PRECISION_DAY, PRECISION_UNKNOWN

AMSTERDAM = ZoneInfo(NEWSROOM_ZONE)
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(hours=1)  # clock skew between us and the publisher
CONFLICT_AFTER = timedelta(days=1)
DATE_FROM_PAGE = "page"
DATE_FROM_URL = "url"

_URL_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<sep>[/-]?)(?P<m>0[1-9]|1[0-2])(?P=sep)(?P<d>0[1-9]|[12]\d|3[01])(?!\d)"
)


@dataclass(slots=True)
class DateDecision:
    """The stored date, where it came from, any conflict, and the witnesses rejected."""

    published_at: datetime | None
    precision: str
    source: str | None
    conflict: str | None = None
    rejected: list[str] = field(default_factory=list)


def date_from_url(url: str) -> date | None:
    """A date written in a URL path (``/2024/05/01/``, ``2024-05-01``, ``20240501``)."""
    path = url.split("?", 1)[0]
    for match in _URL_DATE.finditer(path):
        if not match.group("sep") and len(match.group(0)) != 8:
            continue
        try:
            return date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
        except ValueError:
            continue
    return None


def _aware(value: datetime) -> datetime:
    """``value`` with its own offset; a naive one is taken as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _as_utc(value: datetime) -> datetime:
    return _aware(value).astimezone(UTC)


def _day_start(day: date) -> datetime:
    """Noon in Amsterdam: the middle of the day, so a one-day tolerance works both ways."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=AMSTERDAM)


def resolve_date(
    listing: datetime | None,
    listing_source: str | None,
    page: datetime | None,
    url: str,
    now: datetime | None = None,
) -> DateDecision:
    """Pick the stored published date from the listing, the page and the URL.

    Args:
        listing: the feed/sitemap/archive date of the candidate, if any.
        listing_source: where ``listing`` came from (``feed`` | ``sitemap`` | ``archive``).
        page: the date in the page's metadata, if any.
        url: the article URL (may carry a date in its path).
        now: the current time (tests pass a fixed one).
    """
    now = _as_utc(now or datetime.now(UTC))
    witnesses: list[tuple[str, datetime, bool]] = []  # (source, when, is_day_only)
    if listing is not None:
        witnesses.append((listing_source or "feed", _aware(listing), False))
    if page is not None:
        witnesses.append((DATE_FROM_PAGE, _aware(page), False))
    url_day = date_from_url(url)
    if url_day is not None:
        witnesses.append((DATE_FROM_URL, _day_start(url_day), True))

    rejected: list[str] = []
    valid: list[tuple[str, datetime, bool]] = []
    for source, when, day_only in witnesses:
        shown = when.date().isoformat() if day_only else when.isoformat()
        if when > now + FUTURE_SLACK and not (day_only and when.date() <= now.date()):
            rejected.append(f"{source} date {shown} is in the future")
        elif when < EARLIEST:
            rejected.append(f"{source} date {shown} is before 1990")
        else:
            valid.append((source, when, day_only))
    if not valid:
        return DateDecision(None, PRECISION_UNKNOWN, None, None, rejected)

    chosen_source, chosen, _ = valid[0]
    conflicts = [
        f"{chosen_source} {chosen.date().isoformat()} vs {source} {when.date().isoformat()}"
        for source, when, day_only in valid[1:]
        if abs(when - chosen) > CONFLICT_AFTER + (timedelta(hours=12) if day_only else timedelta())
    ]
    return DateDecision(
        published_at=chosen,
        precision=PRECISION_DAY,
        source=chosen_source,
        conflict="; ".join(conflicts) or None,
        rejected=rejected,
    )
