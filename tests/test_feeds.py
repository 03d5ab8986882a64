"""RSS/Atom parsing: items become canonical candidates; malformed feeds raise typed errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scrapers.errors import FeedParseError
from scrapers.feeds import parse_feed
from tests.realdata import require_realdata

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>NOS</title>
<item><title>Loekasjenko &amp; Poetin</title><link>https://nos.nl/l/123</link>
<guid isPermaLink="false">nos-123</guid><pubDate>Wed, 01 May 2024 10:00:00 +0200</pubDate>
<description>&lt;p&gt;Een &lt;b&gt;korte&lt;/b&gt; samenvatting&lt;/p&gt;</description></item>
<item><title>Relatief</title><link>/artikel/2-relatief?utm_source=rss</link></item>
<item><title>Dubbel</title><link>https://nos.nl/artikel/2-relatief</link></item>
<item><title>Geen link</title></item>
<item><title>Mail</title><link>mailto:x@nos.nl</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>A</title><link rel="alternate" href="https://nos.nl/artikel/3-a"/>
<id>urn:nos:3</id><updated>2024-05-02T08:00:00Z</updated><summary>S</summary></entry>
</feed>"""


def test_rss_items_become_candidates_with_metadata() -> None:
    found = parse_feed(RSS, "https://nos.nl/feed", "nos")
    assert [c.canonical_url for c in found] == [
        "https://nos.nl/l/123",
        "https://nos.nl/artikel/2-relatief",
    ]
    first = found[0]
    assert first.title == "Loekasjenko & Poetin"
    assert first.summary == "Een korte samenvatting"
    assert first.guid == "nos-123"
    assert first.published_at == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert first.date_source == "feed"
    assert first.origin == "rss"
    assert first.source_name == "nos"
    assert found[1].url == "https://nos.nl/artikel/2-relatief?utm_source=rss"
    assert found[1].published_at is None and found[1].date_source is None


def test_atom_entries() -> None:
    (entry,) = parse_feed(ATOM, "https://nos.nl/atom", "nos")
    assert entry.canonical_url == "https://nos.nl/artikel/3-a"
    assert entry.published_at == datetime(2024, 5, 2, 8, 0, tzinfo=UTC)
    assert entry.guid == "urn:nos:3"
    assert entry.summary == "S"


@pytest.mark.parametrize(
    "body",
    [b"<rss><channel><item><title>x</ti", b"\x00\x01 not xml", b"<html><body>hi</body></html>"],
)
def test_malformed_feed_raises_typed_error(body: bytes) -> None:
    with pytest.raises(FeedParseError) as info:
        parse_feed(body, "https://nos.nl/broken", "nos")
    assert "https://nos.nl/broken" in str(info.value)


def test_bozo_feed_that_still_parses_is_used() -> None:
    body = RSS.replace(b"</channel>", b"<broken></channel>")
    found = parse_feed(body, "https://nos.nl/feed", "nos")
    assert len(found) == 2


def test_a_broken_feed_without_usable_items_is_one_error_not_a_promise_first(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Items whose links are no http(s) URL: the error, without "using its 2 items" before."""
    body = (
        b"<rss version='2.0'><channel><title>t</title>"
        b"<item><title>a</title><link>javascript:void(0)</link></item>"
        b"<item><title>b</title><link>mailto:x@example.org</link></item>"
        b"<broken></channel></rss>"
    )
    with pytest.raises(FeedParseError, match="no usable items"):
        parse_feed(body, "https://nos.nl/broken", "nos")
    assert not [r for r in caplog.records if "using its" in r.getMessage()]


def test_a_broken_feed_says_how_many_items_it_uses(caplog: pytest.LogCaptureFixture) -> None:
    body = RSS.replace(b"</channel>", b"<broken></channel>")
    parse_feed(body, "https://nos.nl/feed", "nos")
    assert any("using its 2 usable items" in r.getMessage() for r in caplog.records)


@pytest.mark.realdata
def test_real_tutby_feed_strips_tracking_parameters() -> None:
    body = require_realdata("feeds", "tutby_news_all_2019-12-30.xml").read_bytes()
    found = parse_feed(body, "https://news.tut.by/rss/all.rss", "tut.by")
    assert len(found) == 100
    assert all("utm_" not in c.canonical_url for c in found)
    assert all("utm_" in c.url for c in found)
    assert all(c.published_at is not None for c in found)
    assert all(c.title for c in found)
