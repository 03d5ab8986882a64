"""Bodies: the size cap stops reading early, content types are checked, charsets decoded."""

from __future__ import annotations

import asyncio

import pytest

from scrapers.fetch_result import FetchResult, Outcome, decode_body, gunzip_capped
from scrapers.http import Expect, PoliteClient
from tests.site import NosSite
from tests.site.routes import HUGE_BYTES


def fetch(site: NosSite, path: str, accept: Expect = "html", **config: object) -> FetchResult:
    async def go() -> FetchResult:
        async with PoliteClient(site.fetch_config(**config)) as client:
            return await client.fetch(site.url(path), allowed_hosts=site.hosts, accept=accept)

    return asyncio.run(go())


def test_a_streamed_body_over_the_cap_is_abandoned_early(site: NosSite) -> None:
    result = fetch(site, "/misbehave/huge-stream", max_bytes=1_000_000)
    assert result.outcome == Outcome.TOO_LARGE and result.body is None
    assert 1_000_000 < result.n_bytes <= 1_000_000 + 256 * 1024
    (record,) = site.requests(path="/misbehave/huge-stream")
    assert not record.completed and record.bytes_sent < HUGE_BYTES


def test_a_declared_length_over_the_cap_is_not_read_at_all(site: NosSite) -> None:
    result = fetch(site, "/misbehave/huge", max_bytes=1_000_000)
    assert result.outcome == Outcome.TOO_LARGE and result.n_bytes == 0
    assert "Content-Length" in (result.error or "")
    (record,) = site.requests(path="/misbehave/huge")
    assert not record.completed


def test_content_types_are_checked(site: NosSite) -> None:
    assert fetch(site, "/misbehave/pdf").outcome == Outcome.BAD_CONTENT_TYPE
    assert fetch(site, "/misbehave/pdf", accept="any").outcome == Outcome.OK
    assert fetch(site, "/nosnieuwsalgemeen", accept="html").outcome == Outcome.BAD_CONTENT_TYPE
    assert fetch(site, "/nosnieuwsalgemeen", accept="feed").outcome == Outcome.OK
    assert fetch(site, "/sitemaps/archief-ouder.xml.gz", accept="sitemap").outcome == Outcome.OK


def test_a_gzipped_sitemap_is_unzipped_under_a_cap(site: NosSite) -> None:
    result = fetch(site, "/sitemaps/archief-ouder.xml.gz", accept="sitemap")
    xml = result.unzipped(max_bytes=1_000_000)
    assert xml.startswith(b"<?xml") and b"<urlset" in xml
    with pytest.raises(ValueError, match="more than 100 bytes"):
        result.unzipped(max_bytes=100)
    assert gunzip_capped(b"<urlset/>", 10) == b"<urlset/>"


def test_a_windows_1252_page_without_charset_decodes(site: NosSite) -> None:
    result = fetch(site, "/misbehave/cp1252")
    assert result.ok and result.content_type == "text/html"
    text = result.text()
    assert "Oekraïne krijgt € 500 miljoen" in text
    assert "„eerste stap”" in text and "‘kritieke infrastructuur’" in text
    assert "\ufffd" not in text


@pytest.mark.parametrize(
    ("body", "content_type", "expected", "encoding"),
    [
        ("café €".encode("windows-1252"), "text/html", "café €", "windows-1252"),
        ("café €".encode(), "text/html", "café €", "utf-8"),
        ("café".encode("latin-1"), "text/html; charset=ISO-8859-1", "café", "windows-1252"),
        (b"\x80 <meta charset='windows-1252'>", None, "€ <meta charset='windows-1252'>", "cp1252"),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15">€'.encode(
                "iso-8859-15"
            ),
            "text/html",
            '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15">€',
            "iso8859-15",
        ),
        (
            "<?xml version='1.0' encoding='windows-1252'?><a>€</a>".encode("cp1252"),
            None,
            "<?xml version='1.0' encoding='windows-1252'?><a>€</a>",
            "cp1252",
        ),
        (
            "ï".encode() + b"<meta charset=latin1>",
            "text/html; charset=utf-8",
            "ï<meta charset=latin1>",
            "utf-8",
        ),
        (b"\xef\xbb\xbfhallo", None, "hallo", "utf-8-sig"),
        ("hé".encode(), "text/html; charset=bogus-charset", "hé", "utf-8"),
    ],
)
def test_charset_detection(
    body: bytes, content_type: str | None, expected: str, encoding: str
) -> None:
    assert decode_body(body, content_type) == (expected, encoding)
