"""Extraction: article text and metadata from a fetched HTML page, through trafilatura's public API.

``trafilatura.bare_extraction`` gives, in one pass, the main text (fallbacks only when its main
extractor finds too little) and ``extract_metadata``'s title, author and htmldate's published
date with its UTC offset. We add the identity URL (a same-host canonical), headings without
script text, share labels, reader notices (adblock, cookies), kickers and a repeated title
stripped from the text, clean bylines (:mod:`scrapers.bylines`, the page's outlet naming its
publishers), and the judgement that a page is no article (:mod:`scrapers.page_kind`), which
raises :class:`NoArticleError`. A walled page is not extracted: :func:`page_metadata` reads
what it says about itself for its teaser.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Document

from scrapers.bylines import clean_byline, publishers_of
from scrapers.errors import ExtractionError, NoArticleError
from scrapers.fetch_result import decode_body
from scrapers.notices import drop_flagged_notices, drop_notice_text_blocks, has_notice_text
from scrapers.outlets import Outlet, outlet_for
from scrapers.page_kind import not_an_article
from scrapers.walls import jsonld_values

log = logging.getLogger(__name__)

MIN_TEXT_CHARS = 250  # shorter than this is a caption, not an article
# Leftovers that are not inside markup trafilatura already drops: share and related blocks.
PRUNE_XPATH = (
    "//*[@data-testid and (contains(@data-testid,'share') or contains(@data-testid,'related'))]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' share-buttons ')]",
)
BOILERPLATE_LINES = re.compile(
    r"^(?:(?:[\w -]+ / )*(?:deel artikel|delen|deel dit artikel|share this article|"
    r"bekijk ook|lees ook|meer over dit onderwerp|meer nieuws)\s*:?)$",
    re.I,
)
# Section kickers of Dutch news pages (NOS's among them) and an "Aangepast 12:47" stamp.
SECTION_KICKERS = (
    "binnenland|buitenland|politiek|economie|regionaal nieuws|koningshuis|tech|"
    "cultuur & media|opmerkelijk|sport|nieuwsuur|nieuws|archief"
)
HEAD_LINES = re.compile(rf"^(?:(?:{SECTION_KICKERS})|aangepast(?: \d{{1,2}}:\d{{2}})?)$", re.I)
HEAD_SIZE = 4
# Code inside a heading is never part of the title (trafilatura reads headings' whole text).
HEADING_CODE = "//h1//script | //h1//style | //h2//script | //h2//style"
_SPACE = re.compile(r"\s+")
# trafilatura on lxml can crash the process when two threads extract at once (trafilatura
# issues #840 and #925; a segfault here in the ingest tests' two parsing threads): one page at
# a time per process. Threads gained little side by side anyway: it holds the GIL most of the time.
_ONE_AT_A_TIME = threading.Lock()


def date_params() -> dict[str, Any]:
    """htmldate's settings: the first publication, with time and offset when the page has them,
    from the page's markup before a date in its URL. A new dict per call (it is filled in)."""
    return {
        "original_date": True,
        "extensive_search": True,
        "outputformat": "%Y-%m-%dT%H:%M:%S%z",
        "deferred_url_extractor": True,
    }


@dataclass(slots=True, frozen=True)
class ExtractedPage:
    """What a page says about itself: identity URL, text and metadata (no HTML)."""

    url: str  # the rel=canonical URL when it is on the page's host, else the final URL
    title: str | None
    text: str
    author: str | None
    published_at: datetime | None  # with the page's UTC offset when it gives one
    language: str | None


@dataclass(slots=True, frozen=True)
class PageMetadata:
    """What a page says about itself without its text: a walled page's teaser."""

    title: str | None
    description: str | None  # og:/meta description, else schema.org ``description``
    author: str | None
    published_at: datetime | None
    language: str | None


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Text of an HTML body, decoded as :func:`scrapers.fetch_result.decode_body` does."""
    return decode_body(body, content_type)[0]


def extract_page(html: str, final_url: str) -> ExtractedPage:
    """Extract ``html`` fetched from ``final_url`` (after redirects).

    Raises:
        ExtractionError: the page is not parseable HTML.
        NoArticleError: no article: a live blog, a video or teaser list, a ``website``
            page without prose of its own, or too little text.
    """
    with _ONE_AT_A_TIME:
        return _extract_page(html, final_url)


def _extract_page(html: str, final_url: str) -> ExtractedPage:
    tree = trafilatura.load_html(html)
    if tree is None:
        raise ExtractionError(final_url, "not parseable as HTML")
    for node in tree.xpath(HEADING_CODE):
        node.drop_tree()
    drop_flagged_notices(tree)
    identity = _canonical(tree, final_url)
    outlet = outlet_for(final_url)
    text, meta = main_text_and_metadata(tree, final_url, outlet)
    if has_notice_text(text) and drop_notice_text_blocks(tree):
        text, meta = main_text_and_metadata(tree, final_url, outlet)
    if reason := not_an_article(tree, final_url, text):
        raise NoArticleError(identity, reason)
    if len(text) < MIN_TEXT_CHARS:
        raise NoArticleError(identity, f"no article text ({len(text)} characters)", pending=True)
    title = meta.title or None
    text = without_title(text, title)
    author = _author(meta, outlet, final_url)
    return ExtractedPage(identity, title, text, author, parse_date(meta.date), _language(tree))


def page_metadata(html: str, final_url: str) -> PageMetadata:
    """Title, description, byline, date and language of a page whose text is not read (a
    walled page): what it declares about itself, for its teaser.

    Raises:
        ExtractionError: the page is not parseable HTML.
    """
    with _ONE_AT_A_TIME:
        tree = trafilatura.load_html(html)
        if tree is None:
            raise ExtractionError(final_url, "not parseable as HTML")
        meta = trafilatura.extract_metadata(tree, default_url=final_url, date_config=date_params())
    described = meta.description or next(
        (v for v in jsonld_values(tree, "description") if isinstance(v, str) and v.strip()), None
    )
    description = _SPACE.sub(" ", described).strip() if described else None
    return PageMetadata(
        title=meta.title or None,
        description=description or None,
        author=_author(meta, outlet_for(final_url), final_url),
        published_at=parse_date(meta.date),
        language=_language(tree),
    )


def _author(meta: Document, outlet: Outlet, url: str) -> str | None:
    """The page's byline as clean names, its publishers left out (``scrapers.bylines``)."""
    host = urlsplit(url).hostname or ""
    return clean_byline(meta.author, publishers_of(outlet, meta.sitename, host))


def main_text_and_metadata(
    tree: HtmlElement, url: str, outlet: Outlet | None = None
) -> tuple[str, Document]:
    """The main text and the page's metadata in one trafilatura pass over ``tree`` (a copy).

    trafilatura's main extractor alone (``fast``) first, its fallbacks only when that finds too
    little text; comment sections are never article text. The metadata is
    ``extract_metadata``'s: title, author and the htmldate date of :func:`date_params`.
    ``outlet`` adds its own page parts that are no text to :data:`PRUNE_XPATH`.
    """
    prune = [*PRUNE_XPATH, *(outlet.noise_xpath if outlet is not None else ())]
    text, meta = "", None
    for fast in (True, False):
        document = trafilatura.bare_extraction(
            tree,
            url=url,
            fast=fast,
            include_comments=False,
            prune_xpath=prune,
            with_metadata=meta is None,
            date_extraction_params=date_params(),
        )
        if isinstance(document, Document):
            meta = meta or document
            text = strip_boilerplate(unicodedata.normalize("NFC", document.text or ""))
        if len(text) >= MIN_TEXT_CHARS:
            break
    return text, meta or Document()


def strip_boilerplate(text: str) -> str:
    """Drop lines news pages leave in the text: share/related labels (``Buitenland / Deel
    artikel:``) anywhere, and before the body a section kicker (``Buitenland``) or ``Aangepast
    12:47``.
    """
    lines = [line.strip() for line in text.splitlines()]
    # The first lines hold the title, kicker and timestamps; later a lone "Politiek" is text.
    lines = [line for line in lines if line and not BOILERPLATE_LINES.match(line)]
    head = [line for line in lines[:HEAD_SIZE] if not HEAD_LINES.match(line)]
    return "\n".join(head + lines[HEAD_SIZE:]).strip()


def without_title(text: str, title: str | None) -> str:
    """``text`` without the title as its first line: the title is stored apart, and repeated
    in the text it would open every digest lead twice. (Length checks count it, as before.)"""
    first, _, rest = text.partition("\n")
    if title and _SPACE.sub(" ", first).casefold() == _SPACE.sub(" ", title).strip().casefold():
        return rest.strip() or text
    return text


def parse_date(value: str | None) -> datetime | None:
    """htmldate's ``2024-04-12T21:23:19+0200`` as an aware datetime with that offset.

    A time without an offset is taken as UTC; a bare day comes as its midnight.
    """
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        log.warning("unreadable page date %r", value)
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _canonical(tree: HtmlElement, final_url: str) -> str:
    """``rel=canonical`` (or og:url) when it is http(s) on the same host; else the final URL."""
    host = (urlsplit(final_url).hostname or "").lower()
    hrefs = [
        str(link.get("href"))
        for link in tree.iter("link")
        if link.get("href") is not None and "canonical" in (link.get("rel") or "").split()
    ]
    hrefs += [str(m.get("content")) for m in tree.iter("meta") if m.get("property") == "og:url"]
    for href in hrefs:
        url = urljoin(final_url, href.strip())
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and (parts.hostname or "").lower() == host:
            return url
    return final_url


def _language(tree: HtmlElement) -> str | None:
    """The page's declared language (``<html lang>``, Content-Language or og:locale)."""
    raw = tree.get("lang") or ""
    if not raw:
        for node in tree.iter("meta"):
            key = (node.get("http-equiv") or node.get("property") or node.get("name") or "").lower()
            if key in ("content-language", "og:locale") and node.get("content"):
                raw = str(node.get("content"))
                break
    lang = raw.strip().replace("_", "-").split("-")[0].lower()
    return lang[:10] or None
