"""A page's published date: its own markup first, with the offset it gives; placeholders such
as 0001-01-01 or the Unix epoch are skipped for the next witness; a URL date only as a last
resort (the real NOS article: tests/test_extract_nos_article.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from scrapers.extract import extract_page

PROSE = "".join(
    f"<p>Belarus en Rusland hielden gezamenlijke oefeningen bij de grens, meldt het leger {i}.</p>"
    for i in range(6)
)
CEST = timezone(timedelta(hours=2))


def page(head: str, url: str = "https://nos.nl/artikel/1-a") -> datetime | None:
    html = f"<html><head>{head}</head><body><article><h1>Kop</h1>{PROSE}</article></body></html>"
    return extract_page(html, url).published_at


def jsonld(date: str) -> str:
    return (
        '<script type="application/ld+json">'
        f'{{"@type": "NewsArticle", "headline": "Kop", "datePublished": "{date}"}}</script>'
    )


def test_the_page_date_keeps_its_utc_offset() -> None:
    published = page('<meta property="article:published_time" content="2024-05-01T10:00:00+02:00">')
    assert published == datetime(2024, 5, 1, 8, tzinfo=UTC)
    assert published is not None and published.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize("placeholder", ["0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z"])
def test_a_placeholder_date_is_skipped_for_the_next_witness(placeholder: str) -> None:
    head = f'<meta property="article:published_time" content="{placeholder}">'
    assert page(head + jsonld("2024-05-02T09:30:00+02:00")) == datetime(
        2024, 5, 2, 9, 30, tzinfo=CEST
    )


def test_a_date_in_the_url_is_used_only_when_the_page_has_none() -> None:
    url = "https://www.example.nl/nieuws/2024/05/03/kop"
    assert page("", url) == datetime(2024, 5, 3, tzinfo=UTC)
    assert page(jsonld("2024-05-03T21:15:00+02:00"), url) == datetime(
        2024, 5, 3, 21, 15, tzinfo=CEST
    )


def test_no_date_at_all_is_none() -> None:
    assert page("") is None
