"""Whether an extracted page is an article: live blogs, video pages, lists of teasers and bare
``website`` pages are not, and storing them would give "articles" made of other articles.

A list of teasers (a listing, a day archive, a section front) is known by its text: most of what
trafilatura extracts from it lies inside links, each teaser's title and summary being one ``<a>``.
On real NOS listings 98-100 % of the text is link text; on the 181 real articles of the
extraction benchmark at most 18 %. ``og:type = website`` alone is not enough: 5 of those 181
articles say it (two press releases with no other article markup at all), so such a page is no
article only when it also has little prose of its own. A front page (``/``) and the listing
paths of the page's outlet (``scrapers.outlets``) are no articles whatever their text (the real
Telegraaf homepage of 2016 extracts as 9,456 characters of teasers).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from scrapers.outlets import GENERIC, outlet_for

MIN_VIDEO_PAGE_CHARS = 600  # a video page needs real prose around it to count
MIN_WEBSITE_WORDS = 250  # prose outside links that makes a "website" page an article
TEASER_MIN_LINES = 3  # fewer linked lines is a "related" box, not a listing
TEASER_SHARE = 0.5  # share of the text inside links from which a page is a list of teasers
MIN_TEASER_WORDS = 4  # a linked line shorter than this is a menu item
_WORD = re.compile(r"\w+")


def not_an_article(tree: HtmlElement, url: str, text: str) -> str | None:
    """Why the page at ``url`` with extracted ``text`` is no article, or None when it is one."""
    parts = urlsplit(url)
    path = parts.path
    outlet = outlet_for(url)
    if outlet.is_listing(path, parts.query):
        site = "the site" if outlet is GENERIC else outlet.name
        return f"listing page ({path} is a front page or section of {site})"
    scripts = [node.text or "" for node in tree.iter("script") if _is_jsonld(node)]
    og_type = _og_type(tree)
    if outlet.is_live(path) or any("LiveBlogPosting" in script for script in scripts):
        return "live blog page (a stream of updates, not an article)"
    video = outlet.is_video(path) or og_type.startswith("video") or "VideoObject" in _types(scripts)
    if video and len(text) < MIN_VIDEO_PAGE_CHARS:
        return f"video-only page ({len(text)} characters of text)"
    words, linked, linked_words = _linked_lines(tree, text)
    if linked >= TEASER_MIN_LINES and linked_words >= TEASER_SHARE * max(1, words):
        share = round(100 * linked_words / max(1, words))
        return f"list of teasers ({linked} linked lines, {share} % of the words in links)"
    own = words - linked_words
    if og_type == "website" and own < MIN_WEBSITE_WORDS:
        return f"website page, not an article (og:type website, {own} words of its own)"
    return None


def _linked_lines(tree: HtmlElement, text: str) -> tuple[int, int, int]:
    """(words of ``text``, its lines that are mostly link text, the words of those lines).

    Compared as runs of three words, so a teaser's time or label that the extracted text
    drops or moves does not hide that the rest of the line is the text of a link.
    """
    linked_runs: set[tuple[str, ...]] = set()
    link_words: set[str] = set()
    for anchor in tree.iter("a"):
        if anchor.get("href") is not None:
            tokens = _WORD.findall(anchor.text_content().casefold())
            link_words.update(tokens)
            linked_runs.update(_runs(tokens))
    words = lines = linked_words = 0
    for line in text.splitlines():
        tokens = _WORD.findall(line.casefold())
        words += len(tokens)
        if len(tokens) < MIN_TEASER_WORDS:
            continue
        # A linked run has its three words among the links' words, so a line with k of those
        # has at most k - 2 linked runs: with 2k <= len + 2 that is not more than half of them
        # (most lines of an article; this skips building their runs).
        if 2 * sum(token in link_words for token in tokens) <= len(tokens) + 2:
            continue
        runs = _runs(tokens)
        if 2 * sum(r in linked_runs for r in runs) > len(runs):
            lines += 1
            linked_words += len(tokens)
    return words, lines, linked_words


def _runs(tokens: list[str]) -> list[tuple[str, ...]]:
    return [tuple(tokens[i : i + 3]) for i in range(len(tokens) - 2)]


def _is_jsonld(node: HtmlElement) -> bool:
    return (node.get("type") or "").strip().lower() == "application/ld+json"


def _og_type(tree: HtmlElement) -> str:
    for node in tree.iter("meta"):
        if (node.get("property") or node.get("name")) == "og:type":
            return (node.get("content") or "").strip().lower()
    return ""


def _types(scripts: list[str]) -> set[str]:
    """The top-level JSON-LD ``@type`` values (a VideoObject inside an article does not count)."""
    types: set[str] = set()
    for script in scripts:
        try:
            data = json.loads(script)
        except ValueError:
            continue
        items = data if isinstance(data, list) else [data]
        for item in items:
            if not isinstance(item, dict):
                continue
            graph = item.get("@graph")
            for entry in [item, *(graph if isinstance(graph, list) else [])]:
                kind = entry.get("@type") if isinstance(entry, dict) else None
                types.update(str(k) for k in (kind if isinstance(kind, list) else [kind]))
    return types
