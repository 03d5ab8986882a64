"""Paywall markers: whether a fetched page says its article is not free to read.

Publishers mark paid articles for search engines with schema.org ``isAccessibleForFree: false``
(JSON-LD or microdata); Mediahuis sites (De Standaard, De Telegraaf) also carry a Cxense meta
``mhu-article_ispaidcontent``. Such a page is never bypassed: the caller falls back to the feed's
title and summary. A consent wall is not a page marker but a redirect to another host, which the
polite client refuses before any request (see ``pipeline/probe.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lxml.html import HtmlElement

SCHEMA_MARKER = "schema.org isAccessibleForFree: false"
PAID_META = "cxenseparse:mhu-article_ispaidcontent"
FREE_KEY = "isAccessibleForFree"


def paywall_marker(tree: HtmlElement) -> str | None:
    """The paywall marker the page carries, named for a person, or None for a free page."""
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
        if node.tag == "meta" and name.lower() == PAID_META and paid:
            return f"{name}: true"
    return None


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
