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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.settings import Extractor, set_date_params
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
_PRUNE = [XPath(x) for x in PRUNE_XPATH]  # compiled once (trafilatura compiles per call)
# XPath's normalize-space() separators: what splits a rel attribute into its tokens.
_XML_SPACE = re.compile(r"[ \t\r\n]+")
_LD_JSON = "application/ld+json"
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
    markup = _Markup.of(tree)
    identity = _canonical(markup, final_url)
    meta = _meta(markup.metas if markup.whole else tree.iter("meta"))
    title = meta.get("og:title") or _first_text(markup.h1s) or _first_text(markup.titles)
    author = meta.get("author") or meta.get("article:author") or _jsonld_author(markup)
    if author and author.startswith(("http://", "https://")):
        author = None
    published = _published(tree, markup, meta)
    language = _language(tree, meta)
    hint = _page_kind(markup, meta, identity)

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
    that finds too little text. Comment sections are never article text.

    A document root is pruned here, in place (see :func:`_prune`); both runs then get the
    pruned tree, which is what trafilatura's own pruning of its copy would give them.
    """
    prune = None if _prune(tree) else PRUNE_XPATH
    for fast in (True, False):
        raw = trafilatura.extract(tree, prune_xpath=prune, options=_options(fast, final_url))
        text = strip_boilerplate(raw or "")
        if len(text) >= MIN_TEXT_CHARS:
            break
    return text


def _prune(tree: HtmlElement) -> bool:
    """Delete what :data:`PRUNE_XPATH` selects, with the XPaths compiled once; True if done.

    trafilatura copies a tree it is given and prunes the copy; pruning our tree first and
    letting it copy that is the same, as the XPaths test each element's own attributes and
    deletion (tail kept) is the same operation on either. Only for the document root: a
    fragment's tree is one element of a larger document, which absolute XPaths would search
    outside the part trafilatura copies (trafilatura prunes those itself, as before).
    """
    if tree.getroottree().getroot() is not tree:
        return False
    prune_unwanted_nodes(tree, _PRUNE)
    return True


@lru_cache(maxsize=2)
def _options_template(fast: bool) -> Extractor:
    return Extractor(output_format="txt", fast=fast, comments=False)


def _options(fast: bool, url: str) -> Extractor:
    """The options ``trafilatura.extract(tree, url=url, include_comments=False, fast=fast)``
    builds, copied from a template: building them reads trafilatura's config, about 0.05 ms a
    call (tests/test_extract_fastpath.py compares every field with what ``extract`` builds)."""
    template = _options_template(fast)
    options: Extractor = Extractor.__new__(Extractor)
    for name in Extractor.__slots__:
        setattr(options, name, getattr(template, name))
    source = url or None
    options.source = source and source.encode("utf-8", "replace").decode("utf-8")
    options.url = url
    options.author_blacklist = set()
    options.url_blacklist = set()
    options.date_params = set_date_params(template.date_params["extensive_search"])
    return options


def strip_boilerplate(text: str) -> str:
    """Drop lines NOS leaves in the text: share/related labels (``Buitenland / Deel artikel:``)
    anywhere, and before the body a section kicker (``Buitenland``) or ``Aangepast 12:47``.
    """
    lines = [line.strip() for line in text.splitlines()]
    # The first lines hold the title, kicker and timestamps; later a lone "Politiek" is text.
    lines = [line for line in lines if line and not BOILERPLATE_LINES.match(line)]
    head = [line for line in lines[:HEAD_SIZE] if not HEAD_LINES.match(line)]
    return "\n".join(head + lines[HEAD_SIZE:]).strip()


@dataclass(slots=True)
class _Markup:
    """The elements the metadata reading looks at, found in one pass over the document (it
    asked one XPath per question, the JSON-LD scripts three times); each JSON-LD text is
    parsed at most once. Lists are in document order, as the XPaths returned them.

    ``whole``: the tree is the document root, so ``metas`` are also the tree's own.
    """

    whole: bool
    canonical_hrefs: list[str] = field(default_factory=list)  # rel~=canonical, og:url
    metas: list[HtmlElement] = field(default_factory=list)
    h1s: list[HtmlElement] = field(default_factory=list)
    titles: list[HtmlElement] = field(default_factory=list)
    jsonld: list[str] = field(default_factory=list)  # ld+json script texts ("" when empty)
    _parsed: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, tree: HtmlElement) -> _Markup:
        """Collect from the whole document, as the ``//…`` XPaths searched it."""
        root = tree.getroottree().getroot()
        markup = cls(whole=root is tree)
        og_urls: list[str] = []
        for node in root.iter("link", "meta", "script", "h1", "title"):
            tag = node.tag
            if tag == "meta":
                markup.metas.append(node)
                content = node.get("content")
                if content is not None and node.get("property") == "og:url":
                    og_urls.append(content)
            elif tag == "link":
                href = node.get("href")
                if href is not None and "canonical" in _XML_SPACE.split(node.get("rel") or ""):
                    markup.canonical_hrefs.append(href)
            elif tag == "script":
                if node.get("type") == _LD_JSON:
                    markup.jsonld.append(node.text or "")
            elif tag == "h1":
                markup.h1s.append(node)
            else:
                markup.titles.append(node)
        markup.canonical_hrefs += og_urls
        return markup

    def json(self, text: str) -> Any:
        """``json.loads(text)``, or :data:`_NOT_JSON` when it raises ValueError.

        Keyed on the text without the whitespace ``json.loads`` skips around a document, so
        a script read whole and as a stripped chunk is parsed once.
        """
        key = text.strip(" \t\n\r")
        if key not in self._parsed:
            try:
                self._parsed[key] = json.loads(key)
            except ValueError:
                self._parsed[key] = _NOT_JSON
        return self._parsed[key]


_NOT_JSON = object()


def _canonical(markup: _Markup, final_url: str) -> str:
    """``rel=canonical`` (or og:url) when it is http(s) on the same host; else the final URL."""
    host = (urlsplit(final_url).hostname or "").lower()
    for href in markup.canonical_hrefs:
        url = urljoin(final_url, str(href).strip())
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and (parts.hostname or "").lower() == host:
            return url
    return final_url


def _meta(nodes: Iterable[HtmlElement]) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in nodes:
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower()
        value = (node.get("content") or "").strip()
        if key and value and key not in out:
            out[key] = value
    return out


def _first_text(nodes: list[HtmlElement]) -> str | None:
    for node in nodes:
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


def _published(tree: HtmlElement, markup: _Markup, meta: dict[str, str]) -> datetime | None:
    for key in _META_DATE_KEYS:
        if key in meta and (parsed := parse_datetime(meta[key])):
            return parsed
    for text in markup.jsonld:
        match = _JSONLD_DATE.search(text)
        if match and (parsed := parse_datetime(match.group(1))):
            return parsed
    for value in tree.xpath("//time/@datetime | //*[@itemprop='datePublished']/@datetime"):
        if parsed := parse_datetime(str(value)):
            return parsed
    return None


def _jsonld_author(markup: _Markup) -> str | None:
    """The first JSON-LD author that is a person (an organisation is not a byline)."""
    for text in markup.jsonld:
        data = markup.json(text)
        if data is _NOT_JSON:
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


def _page_kind(markup: _Markup, meta: dict[str, str], url: str) -> str | None:
    """``live blog`` or ``video`` when the page says so (URL, og:type, JSON-LD); else None."""
    path = urlsplit(url).path
    og_type = meta.get("og:type", "").lower()
    scripts = " ".join(markup.jsonld)
    if "/liveblog/" in path or "LiveBlogPosting" in scripts:
        return "live blog"
    if "/video/" in path or og_type.startswith("video"):
        return "video"
    if '"VideoObject"' in _ld_types(markup, scripts):
        return "video"
    return None


def _ld_types(markup: _Markup, scripts: str) -> str:
    """The top-level JSON-LD @type values (a VideoObject nested in an article does not count)."""
    types: list[str] = []
    for chunk in filter(None, (part.strip() for part in scripts.split("\n\n"))):
        data = markup.json(chunk)
        if data is _NOT_JSON:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                types.append(json.dumps(item.get("@type")))
    return " ".join(types)
