"""Extraction: article text and metadata from a fetched HTML page, with trafilatura.

The page is decoded once (header charset, BOM, ``<meta charset>``, UTF-8, then windows-1252)
and parsed once; our cheap metadata reading (canonical link, title, author, dates, language)
runs on that tree before ``trafilatura.extract`` takes it. The text is what trafilatura's main
extractor gives on the raw page (its slower fallback extractors run only when that finds too
little text), minus NOS's share/related/navigation leftovers. A page
without article text raises :class:`NoArticleError` with the reason.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from scrapers.errors import ExtractionError, NoArticleError

log = logging.getLogger(__name__)

MIN_TEXT_CHARS = 250  # shorter than this is a caption, not an article
MIN_VIDEO_PAGE_CHARS = 600  # a video page needs real prose around it to count
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_.:-]+)", re.I)
_JSONLD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]+)"')
# NOS leftovers that are not inside markup trafilatura already drops.
PRUNE_XPATH = [
    "//*[@data-testid and (contains(@data-testid,'share') or contains(@data-testid,'related'))]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' share-buttons ')]",
]
BOILERPLATE_LINES = re.compile(
    r"^(?:(?:[\w -]+ / )*(?:deel artikel|delen|deel dit artikel|share this article|"
    r"bekijk ook|lees ook|meer over dit onderwerp|meer nieuws)\s*:?)$",
    re.I,
)
NOS_SECTIONS = (
    "binnenland|buitenland|politiek|economie|regionaal nieuws|koningshuis|tech|"
    "cultuur & media|opmerkelijk|sport|nieuwsuur|nieuws|archief"
)
HEAD_LINES = re.compile(rf"^(?:(?:{NOS_SECTIONS})|aangepast(?: \d{{1,2}}:\d{{2}})?)$", re.I)
HEAD_SIZE = 4
_META_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "date",
    "pubdate",
    "publishdate",
    "dc.date.issued",
    "dcterms.created",
    "dc.date",
)


@dataclass(slots=True, frozen=True)
class ExtractedPage:
    """What a page says about itself: identity URL, text and metadata (no HTML)."""

    url: str  # the rel=canonical URL when it is on the page's host, else the final URL
    title: str | None
    text: str
    author: str | None
    published_at: datetime | None
    language: str | None


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Text of an HTML body: header charset, BOM, ``<meta charset>``, UTF-8, windows-1252."""
    candidates: list[str] = []
    if content_type and (match := _HEADER_CHARSET.search(content_type)):
        candidates.append(match.group(1))
    if body.startswith(b"\xef\xbb\xbf"):
        candidates.append("utf-8-sig")
    elif body.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates.append("utf-16")
    if meta := _CHARSET.search(body[:4096]):
        candidates.append(meta.group(1).decode("ascii", "replace"))
    candidates.append("utf-8")
    for encoding in candidates:
        try:
            return body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    # windows-1252 is what unlabelled non-UTF-8 Western pages almost always are.
    return body.decode("cp1252", errors="replace")


def extract_page(html: str, final_url: str) -> ExtractedPage:
    """Extract ``html`` fetched from ``final_url`` (after redirects).

    Raises:
        ExtractionError: the page is not parseable HTML.
        NoArticleError: the page has no article text (live blog, video only, empty).
    """
    tree = load_html(html)
    if tree is None:
        raise ExtractionError(final_url, "not parseable as HTML")
    identity = _canonical(tree, final_url)
    meta = _meta(tree)
    title = meta.get("og:title") or _first_text(tree, "//h1") or _first_text(tree, "//title")
    author = meta.get("author") or meta.get("article:author") or _jsonld_author(tree)
    if author and author.startswith(("http://", "https://")):
        author = None
    published = _published(tree, meta)
    language = _language(tree, meta)
    hint = _page_kind(tree, meta, identity)

    text = _extract_text(tree, final_url)
    if hint == "live blog":
        raise NoArticleError(identity, "live blog page (a stream of updates, not an article)")
    if hint == "video" and len(text) < MIN_VIDEO_PAGE_CHARS:
        raise NoArticleError(identity, f"video-only page ({len(text)} characters of text)")
    if len(text) < MIN_TEXT_CHARS:
        raise NoArticleError(identity, f"no article text ({len(text)} characters)")
    return ExtractedPage(identity, title, text, author, published, language)


def _extract_text(tree: HtmlElement, final_url: str) -> str:
    """trafilatura's main extractor alone (``fast``); its slower fallback extractors only when
    that finds too little text. Comment sections are never article text."""
    for fast in (True, False):
        raw = trafilatura.extract(
            tree, url=final_url, prune_xpath=PRUNE_XPATH, include_comments=False, fast=fast
        )
        text = strip_boilerplate(raw or "")
        if len(text) >= MIN_TEXT_CHARS:
            break
    return text


def strip_boilerplate(text: str) -> str:
    """Drop lines NOS leaves in the text: share/related labels (``Buitenland / Deel artikel:``)
    anywhere, and before the body a section kicker (``Buitenland``) or ``Aangepast 12:47``.
    """
    lines = [line.strip() for line in text.splitlines()]
    # The first lines hold the title, kicker and timestamps; later a lone "Politiek" is text.
    lines = [line for line in lines if line and not BOILERPLATE_LINES.match(line)]
    head = [line for line in lines[:HEAD_SIZE] if not HEAD_LINES.match(line)]
    return "\n".join(head + lines[HEAD_SIZE:]).strip()


def _canonical(tree: HtmlElement, final_url: str) -> str:
    """``rel=canonical`` (or og:url) when it is http(s) on the same host; else the final URL."""
    host = (urlsplit(final_url).hostname or "").lower()
    hrefs = tree.xpath(
        "//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href"
    )
    hrefs += tree.xpath("//meta[@property='og:url']/@content")
    for href in hrefs:
        url = urljoin(final_url, str(href).strip())
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and (parts.hostname or "").lower() == host:
            return url
    return final_url


def _meta(tree: HtmlElement) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in tree.iter("meta"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower()
        value = (node.get("content") or "").strip()
        if key and value and key not in out:
            out[key] = value
    return out


def _first_text(tree: HtmlElement, xpath: str) -> str | None:
    for node in tree.xpath(xpath):
        text = " ".join(node.text_content().split())
        if text:
            return text
    return None


def parse_datetime(value: str) -> datetime | None:
    """An ISO-8601 timestamp (``Z``, ``+0200`` or ``+02:00``) as aware UTC; None if not one."""
    value = value.strip()
    if not value:
        return None
    value = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", value.replace("Z", "+00:00"))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _published(tree: HtmlElement, meta: dict[str, str]) -> datetime | None:
    for key in _META_DATE_KEYS:
        if key in meta and (parsed := parse_datetime(meta[key])):
            return parsed
    for script in tree.xpath("//script[@type='application/ld+json']"):
        match = _JSONLD_DATE.search(script.text or "")
        if match and (parsed := parse_datetime(match.group(1))):
            return parsed
    for value in tree.xpath("//time/@datetime | //*[@itemprop='datePublished']/@datetime"):
        if parsed := parse_datetime(str(value)):
            return parsed
    return None


def _jsonld_author(tree: HtmlElement) -> str | None:
    """The first JSON-LD author that is a person (an organisation is not a byline)."""
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            authors = item.get("author") if isinstance(item, dict) else None
            for author in authors if isinstance(authors, list) else [authors]:
                if isinstance(author, dict) and author.get("@type") == "Person":
                    name = str(author.get("name") or "").strip()
                    if name:
                        return name
    return None


def _language(tree: HtmlElement, meta: dict[str, str]) -> str | None:
    raw = tree.get("lang") or meta.get("content-language") or meta.get("og:locale") or ""
    lang = raw.strip().replace("_", "-").split("-")[0].lower()
    return lang[:10] or None


def _page_kind(tree: HtmlElement, meta: dict[str, str], url: str) -> str | None:
    """``live blog`` or ``video`` when the page says so (URL, og:type, JSON-LD); else None."""
    path = urlsplit(url).path
    og_type = meta.get("og:type", "").lower()
    scripts = " ".join(s.text or "" for s in tree.xpath("//script[@type='application/ld+json']"))
    if "/liveblog/" in path or "LiveBlogPosting" in scripts:
        return "live blog"
    if "/video/" in path or og_type.startswith("video") or '"VideoObject"' in _ld_types(scripts):
        return "video"
    return None


def _ld_types(scripts: str) -> str:
    """The top-level JSON-LD @type values (a VideoObject nested in an article does not count)."""
    types: list[str] = []
    for chunk in filter(None, (part.strip() for part in scripts.split("\n\n"))):
        try:
            data = json.loads(chunk)
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                types.append(json.dumps(item.get("@type")))
    return " ".join(types)
