"""Sitemaps: indexes, urlsets, Google News sitemaps, gzip, day filters, bad XML."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime

import pytest

from scrapers.errors import SitemapParseError
from scrapers.sitemaps import index_children, parse_sitemap, sitemap_candidates

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://nos.nl/sitemap/2024-05-01.xml.gz</loc><lastmod>2024-05-01</lastmod></sitemap>
<sitemap><loc>https://nos.nl/sitemap/2024-04-01.xml</loc><lastmod>2024-04-01T10:00:00Z</lastmod></sitemap>
<sitemap><loc>/sitemap/undated.xml</loc></sitemap>
</sitemapindex>"""

NEWS = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://nos.nl/artikel/1-a?utm_medium=x</loc>
  <news:news><news:publication><news:name>NOS</news:name><news:language>nl</news:language>
  </news:publication><news:publication_date>2024-05-01T23:30:00+02:00</news:publication_date>
  <news:title>Poetin ontvangt Loekasjenko</news:title></news:news></url>
<url><loc>https://nos.nl/artikel/2-b</loc><lastmod>2024-05-02T10:00:00Z</lastmod></url>
<url><loc>https://nos.nl/artikel/3-c</loc></url>
</urlset>"""


def test_index_lists_child_sitemaps_gzipped() -> None:
    sitemap = parse_sitemap(gzip.compress(INDEX), "https://nos.nl/sitemap.xml")
    assert sitemap.kind == "index"
    assert [u.loc for u in sitemap.urls][-1] == "https://nos.nl/sitemap/undated.xml"
    assert index_children(sitemap) == [u.loc for u in sitemap.urls]
    assert index_children(sitemap, day=date(2024, 4, 15)) == [
        "https://nos.nl/sitemap/2024-05-01.xml.gz",
        "https://nos.nl/sitemap/undated.xml",
    ]


def test_news_sitemap_gives_publication_date_and_title() -> None:
    sitemap = parse_sitemap(NEWS, "https://nos.nl/news.xml")
    assert sitemap.kind == "urlset"
    found = sitemap_candidates(sitemap, "nos-sitemap")
    assert [c.canonical_url for c in found] == [
        "https://nos.nl/artikel/1-a",
        "https://nos.nl/artikel/2-b",
        "https://nos.nl/artikel/3-c",
    ]
    assert found[0].title == "Poetin ontvangt Loekasjenko"
    assert found[0].published_at == datetime(2024, 5, 1, 21, 30, tzinfo=UTC)
    assert found[0].date_source == "sitemap"
    assert found[1].published_at == datetime(2024, 5, 2, 10, 0, tzinfo=UTC)
    assert found[2].published_at is None


def test_day_filter_uses_amsterdam_days() -> None:
    sitemap = parse_sitemap(NEWS, "https://nos.nl/news.xml")
    assert [c.canonical_url for c in sitemap_candidates(sitemap, "s", day=date(2024, 5, 1))] == [
        "https://nos.nl/artikel/1-a"
    ]
    assert [c.canonical_url for c in sitemap_candidates(sitemap, "s", day=date(2024, 5, 2))] == [
        "https://nos.nl/artikel/2-b"
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"<urlset><url><loc>x</loc>",
        b"<html><body>no</body></html>",
        b"\x1f\x8b\x08 broken gzip",
    ],
)
def test_bad_sitemaps_raise_typed_error(body: bytes) -> None:
    with pytest.raises(SitemapParseError):
        parse_sitemap(body, "https://nos.nl/bad.xml")


def test_external_entities_are_not_resolved() -> None:
    body = (
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://nos.nl/&e;</loc></url></urlset>"
    )
    sitemap = parse_sitemap(body, "https://nos.nl/evil.xml")
    assert all("root:" not in u.loc for u in sitemap.urls)
