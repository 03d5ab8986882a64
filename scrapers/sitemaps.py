"""Sitemap discovery: sitemap indexes, urlsets and Google News sitemaps, plain or gzipped.

A sitemap index only points at more sitemaps; the caller decides which to fetch (by date, by
count). A urlset gives article URLs with ``lastmod`` and, in a news sitemap, the publication
date and title. XML is parsed without entities or network access.
"""

from __future__ import annotations

import gzip
import logging
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

from processing.temporal import NEWSROOM_TZ
from scrapers.candidates import DATE_FROM_SITEMAP, Candidate, make_candidate, unique_candidates
from scrapers.errors import SitemapParseError

log = logging.getLogger(__name__)

SITEMAP_ORIGIN = "sitemap"
GZIP_MAGIC = b"\x1f\x8b"
MAX_UNZIPPED_BYTES = 50_000_000  # the sitemap protocol's own limit


@dataclass(slots=True, frozen=True)
class SitemapUrl:
    """One ``<url>`` (or one ``<sitemap>`` of an index) with its dates and news title."""

    loc: str
    lastmod: datetime | None = None
    news_published: datetime | None = None
    news_title: str | None = None

    @property
    def published(self) -> datetime | None:
        """The best date the sitemap gives: the news publication date, else lastmod."""
        return self.news_published or self.lastmod


@dataclass(slots=True)
class Sitemap:
    """A parsed sitemap: an ``index`` of child sitemaps or a ``urlset`` of pages."""

    kind: str  # index | urlset
    urls: list[SitemapUrl] = field(default_factory=list)


def maybe_gunzip(content: bytes, url: str) -> bytes:
    """The XML of a sitemap that may be gzipped (by magic bytes, whatever the headers said)."""
    if not content.startswith(GZIP_MAGIC):
        return content
    try:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data = decompressor.decompress(content, MAX_UNZIPPED_BYTES)
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise SitemapParseError(url, f"bad gzip data: {exc}") from exc
    if decompressor.unconsumed_tail:
        raise SitemapParseError(url, f"more than {MAX_UNZIPPED_BYTES} bytes unzipped")
    return data


def parse_sitemap(content: bytes, url: str) -> Sitemap:
    """Parse a sitemap index or urlset (gzip allowed).

    Raises:
        SitemapParseError: not well-formed XML, or neither ``sitemapindex`` nor ``urlset``.
    """
    data = maybe_gunzip(content, url)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, recover=False
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise SitemapParseError(url, str(exc)) from exc
    kind = etree.QName(root).localname
    if kind == "sitemapindex":
        return Sitemap("index", [_entry(el, url) for el in _children(root, "sitemap")])
    if kind == "urlset":
        return Sitemap("urlset", [_entry(el, url) for el in _children(root, "url")])
    raise SitemapParseError(url, f"root element <{kind}> is neither sitemapindex nor urlset")


def _children(root: etree._Element, name: str) -> list[etree._Element]:
    return [el for el in root if isinstance(el.tag, str) and etree.QName(el).localname == name]


def _entry(element: etree._Element, base_url: str) -> SitemapUrl:
    loc = lastmod = published = title = None
    for child in element.iter():
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        text = (child.text or "").strip()
        if name == "loc" and loc is None:
            loc = text
        elif name == "lastmod":
            lastmod = parse_w3c_datetime(text)
        elif name == "publication_date":
            published = parse_w3c_datetime(text)
        elif name == "title" and etree.QName(child).namespace != _SITEMAP_NS:
            title = text or None
    return SitemapUrl(urljoin(base_url, loc or ""), lastmod, published, title)


_SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def parse_w3c_datetime(text: str) -> datetime | None:
    """A W3C datetime (``2024-05-01``, ``2024-05-01T10:00:00+02:00``, ``…Z``) in UTC.

    A bare date is taken as midnight in Amsterdam (the newsroom's day); naive times as UTC.
    """
    text = text.strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=NEWSROOM_TZ).astimezone(UTC)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        log.info("unreadable sitemap date %r", text)
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def sitemap_candidates(
    sitemap: Sitemap, source_name: str, day: date | None = None
) -> list[Candidate]:
    """Candidates of a urlset; with ``day``, only URLs dated that day (Amsterdam time).

    URLs without any date are kept when no day is asked for and dropped when one is.
    """
    if sitemap.kind != "urlset":
        raise ValueError("sitemap_candidates needs a urlset, not a sitemap index")
    out: list[Candidate] = []
    for entry in sitemap.urls:
        if urlsplit(entry.loc).scheme not in ("http", "https"):
            continue
        when = entry.published
        if day is not None and (when is None or when.astimezone(NEWSROOM_TZ).date() != day):
            continue
        out.append(
            make_candidate(
                entry.loc,
                source_name,
                SITEMAP_ORIGIN,
                title=entry.news_title,
                published_at=when,
                date_source=DATE_FROM_SITEMAP,
            )
        )
    return unique_candidates(out)


def index_children(sitemap: Sitemap, day: date | None = None) -> list[str]:
    """Child sitemap URLs of an index; with ``day``, those whose lastmod is on/after it.

    Children without a lastmod are always kept: we cannot tell they are stale.
    """
    out: list[str] = []
    for entry in sitemap.urls:
        stale = entry.lastmod is not None and entry.lastmod.astimezone(NEWSROOM_TZ).date() < (
            day or date.min
        )
        if stale:
            continue
        out.append(entry.loc)
    return out
