"""RSS/Atom discovery with feedparser: one :class:`Candidate` per usable feed item.

feedparser is lenient: a feed with small XML errors ("bozo") that still yields items is used
(and the problem logged); a body that yields no items and is not well-formed is a
:class:`FeedParseError`, so the caller records it instead of silently finding nothing.
"""

from __future__ import annotations

import calendar
import html
import logging
import re
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from scrapers.candidates import DATE_FROM_FEED, Candidate, make_candidate, unique_candidates
from scrapers.errors import FeedParseError
from scrapers.fetch_result import bom_encoding

log = logging.getLogger(__name__)

FEED_ORIGIN = "rss"
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_XML_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?\bencoding\s*=\s*["'])[^"']*""")


def parse_feed(
    content: bytes,
    feed_url: str,
    source_name: str,
    content_type: str | None = None,
) -> list[Candidate]:
    """Candidates of every item with an http(s) link, in feed order, repeats dropped.

    Raises:
        FeedParseError: the body is not a feed (malformed XML with no usable items, or HTML).
    """
    content, content_type = _as_bom_says(content, content_type)
    headers = {
        "content-location": feed_url,
        "content-type": content_type or "application/rss+xml",
    }
    parsed = feedparser.parse(content, response_headers=headers)
    entries = list(parsed.get("entries") or [])
    reason = str(parsed.get("bozo_exception") or "not well-formed")
    if parsed.get("bozo") and not entries:
        raise FeedParseError(feed_url, reason)
    if not entries and not parsed.get("version"):
        raise FeedParseError(feed_url, "not an RSS or Atom document")
    candidates: list[Candidate] = []
    for entry in entries:
        candidate = _candidate(entry, feed_url, source_name)
        if candidate is not None:
            candidates.append(candidate)
    candidates = unique_candidates(candidates)
    if parsed.get("bozo"):
        if not candidates:
            raise FeedParseError(feed_url, f"no usable items ({reason})")
        # Said only once it is true: a broken feed whose items have no usable link is an
        # error above, not "using its items" and then an error.
        log.warning(
            "feed %s is not well-formed (%s); using its %d usable items",
            feed_url,
            reason,
            len(candidates),
        )
    return candidates


def _as_bom_says(content: bytes, content_type: str | None) -> tuple[bytes, str | None]:
    """A feed with a byte-order mark as UTF-8 declared as such: feedparser believes a header or
    XML declaration that contradicts the mark (a UTF-16 feed "in ISO-8859-1" is lost)."""
    encoding = bom_encoding(content)
    if encoding is None:
        return content, content_type
    text = content.decode(encoding, errors="replace").lstrip("\ufeff")
    text = _XML_ENCODING.sub(r"\g<1>utf-8", text, count=1)
    mime = (content_type or "application/rss+xml").split(";", 1)[0].strip()
    return text.encode("utf-8"), f"{mime}; charset=utf-8"


def _candidate(entry: Any, feed_url: str, source_name: str) -> Candidate | None:
    link = _entry_link(entry)
    guid = entry.get("id") or None
    if not link and guid and str(guid).startswith(("http://", "https://")):
        link = str(guid)
    if not link:
        log.info("feed %s: item without a link skipped (%s)", feed_url, entry.get("title"))
        return None
    url = urljoin(feed_url, link)
    if urlsplit(url).scheme not in ("http", "https"):
        log.info("feed %s: non-http link skipped: %s", feed_url, url)
        return None
    return make_candidate(
        url,
        source_name,
        FEED_ORIGIN,
        title=_clean_text(entry.get("title")),
        published_at=entry_time(entry),
        date_source=DATE_FROM_FEED,
        summary=_clean_text(entry.get("summary")),
        guid=str(guid) if guid else None,
    )


def _entry_link(entry: Any) -> str | None:
    link = entry.get("link")
    if link:
        return str(link)
    for item in entry.get("links") or []:
        if item.get("rel", "alternate") == "alternate" and item.get("href"):
            return str(item["href"])
    return None


def entry_time(entry: Any) -> datetime | None:
    """The item's published (else updated) time as an aware UTC datetime."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    return None


def _clean_text(value: Any) -> str | None:
    """Plain text of a title or summary that may carry (escaped) HTML."""
    if not value:
        return None
    text = _TAG.sub(" ", html.unescape(str(value)))
    return _SPACE.sub(" ", text).strip() or None
