"""Paywall markers: whether a fetched page says its article is not free to read.

Publishers mark paid articles for search engines with schema.org ``isAccessibleForFree: false``
(JSON-LD or microdata); some outlets also carry a meta of their own (Mediahuis sites: a Cxense
``mhu-article_ispaidcontent``), named as ``paid_meta`` in their registry entry
(``scrapers.outlets``). Such a page is never bypassed: the caller stores a teaser of what the
page and the feed say about it (``scrapers.extract.page_metadata``). A consent wall is not a
page marker but a redirect to a consent host, which the polite client refuses before any request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from scrapers.outlets import GENERIC, Outlet, outlet_for

SCHEMA_MARKER = "schema.org isAccessibleForFree: false"
FREE_KEY = "isAccessibleForFree"


def page_paywall_marker(html: str, url: str) -> str | None:
    """The paywall marker of a decoded page fetched from ``url``, or None for a free page.

    A page that names no marker anywhere in its source is free, and is not parsed to find out.
    """
    outlet = outlet_for(url)
    lowered = html.lower()
    hints = (FREE_KEY.lower(), *(name.lower() for name in outlet.paid_meta))
    if not any(hint in lowered for hint in hints):
        return None
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None  # not HTML: extraction says why
    return paywall_marker(tree, outlet)


def paywall_marker(tree: HtmlElement, outlet: Outlet = GENERIC) -> str | None:
    """The paywall marker the page carries, named for a person, or None for a free page.

    ``outlet``: the page's registry entry, whose ``paid_meta`` names count as markers too.
    """
    paid_meta = {name.lower() for name in outlet.paid_meta}
    for node in tree.iter():
        if not isinstance(node.tag, str):
            continue  # comments and processing instructions
        if node.tag == "script":
            if _is_ld_json(node) and any(map(_is_false, _values(_json(node.text), FREE_KEY))):
                return SCHEMA_MARKER
            continue
        if node.get("itemprop") == FREE_KEY:
            value = node.get("content") or node.get("href") or node.text_content()
            if _is_false(value):
                return SCHEMA_MARKER
        name = node.get("name") or ""
        paid = (node.get("content") or "").strip().lower() == "true"
        if node.tag == "meta" and name.lower() in paid_meta and paid:
            return f"{name}: true"
    return None


def jsonld_values(tree: HtmlElement, key: str) -> Iterator[Any]:
    """Every value of ``key`` in the page's JSON-LD scripts, in document order."""
    for node in tree.iter("script"):
        if _is_ld_json(node):
            yield from _values(_json(node.text), key)


def _is_ld_json(node: HtmlElement) -> bool:
    return (node.get("type") or "").strip().lower() == "application/ld+json"


def _json(text: str | None) -> Any:
    try:
        return json.loads(text or "")
    except ValueError:
        return None


def _values(data: Any, key: str) -> Iterator[Any]:
    """Every value of ``key`` anywhere in a JSON document (``hasPart``, ``@graph`` …)."""
    if isinstance(data, dict):
        for name, value in data.items():
            if name == key:
                yield value
            else:
                yield from _values(value, key)
    elif isinstance(data, list):
        for item in data:
            yield from _values(item, key)


def _is_false(value: Any) -> bool:
    """schema.org Boolean false: JSON ``false``, ``"False"``, or the URL ``schema.org/False``."""
    if isinstance(value, bool):
        return value is False
    if isinstance(value, str):
        word = value.strip().rstrip("/").rsplit("/", 1)[-1].lower()
        return word == "false"
    return False
