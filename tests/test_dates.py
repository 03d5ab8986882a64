"""Date cross-checks: listing vs page vs URL, conflicts flagged, impossible dates rejected."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from scrapers.dates import date_from_url, resolve_date

NOW = datetime(2024, 5, 3, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.nl/2024/05/01/titel", date(2024, 5, 1)),
        ("https://x.nl/nieuws/2024-05-01-titel", date(2024, 5, 1)),
        ("https://x.nl/a/20240501/titel", date(2024, 5, 1)),
        ("https://nos.nl/artikel/2519123-titel", None),
        ("https://x.nl/2024/13/01/titel", None),
        ("https://x.nl/a?d=2024-05-01", None),
    ],
)
def test_date_from_url(url: str, expected: date | None) -> None:
    assert date_from_url(url) == expected


def test_agreeing_dates_keep_the_listing_date() -> None:
    decision = resolve_date(
        datetime(2024, 5, 1, 10, tzinfo=UTC),
        "feed",
        datetime(2024, 5, 1, 9, tzinfo=UTC),
        "https://x.nl/2024/05/01/a",
        NOW,
    )
    assert decision.published_at == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert decision.source == "feed"
    assert decision.precision == "day"
    assert decision.conflict is None
    assert decision.rejected == []


def test_conflict_over_a_day_is_flagged() -> None:
    decision = resolve_date(
        datetime(2024, 5, 1, 10, tzinfo=UTC),
        "sitemap",
        datetime(2024, 4, 20, tzinfo=UTC),
        "https://x.nl/a",
        NOW,
    )
    assert decision.source == "sitemap"
    assert decision.conflict == "sitemap 2024-05-01 vs page 2024-04-20"


def test_page_date_used_without_listing_date() -> None:
    decision = resolve_date(None, None, datetime(2024, 5, 2, 7, tzinfo=UTC), "https://x.nl/a", NOW)
    assert decision.source == "page"
    assert decision.published_at == datetime(2024, 5, 2, 7, tzinfo=UTC)


def test_future_and_ancient_dates_are_rejected_with_reasons() -> None:
    decision = resolve_date(
        datetime(2030, 1, 1, tzinfo=UTC),
        "feed",
        datetime(1985, 1, 1, tzinfo=UTC),
        "https://x.nl/2024/05/02/a",
        NOW,
    )
    assert decision.source == "url"
    assert decision.published_at is not None and decision.published_at.date() == date(2024, 5, 2)
    assert len(decision.rejected) == 2
    assert "future" in decision.rejected[0] and "1990" in decision.rejected[1]


def test_no_usable_date_is_unknown() -> None:
    decision = resolve_date(datetime(2099, 1, 1, tzinfo=UTC), "feed", None, "https://x.nl/a", NOW)
    assert decision.published_at is None
    assert decision.precision == "unknown"
    assert decision.source is None
    assert decision.rejected


def test_the_chosen_date_keeps_its_utc_offset() -> None:
    cest = timezone(timedelta(hours=2))
    page = datetime(2024, 5, 1, 21, 15, tzinfo=cest)
    decision = resolve_date(None, None, page, "https://x.nl/2024/05/01/a", NOW)
    assert decision.published_at == page and decision.conflict is None
    assert decision.published_at is not None and decision.published_at.utcoffset() == timedelta(
        hours=2
    )
    from_url = resolve_date(None, None, None, "https://x.nl/2024/05/01/a", NOW).published_at
    assert from_url is not None and from_url.isoformat() == "2024-05-01T12:00:00+02:00"
