"""The real NOS article comes out right: its title, its date with the +02:00 offset, no byline,
and as text its JSON-LD ``articleBody`` (plus the two subheadings) without any page chrome."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from scrapers.extract import extract_page
from tests.realdata import require_realdata

URL = "https://nos.nl/artikel/2516536-vermiste-urker-kotter-na-58-jaar-mogelijk-teruggevonden"
SUBHEADINGS = ["Naambord opgevist", "Wrak identificeren"]

pytestmark = pytest.mark.realdata


def test_the_real_nos_article_is_extracted_right() -> None:
    html = (require_realdata("nos") / "nos_2516536_urker-kotter.utf8.html").read_text("utf-8")
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    body = next(d["articleBody"] for d in map(json.loads, scripts) if "articleBody" in d)

    page = extract_page(html, URL)

    assert page.url == "https://nos.nl/l/2516536"  # its rel=canonical, on the same host
    assert page.title == "Vermiste Urker kotter na 58 jaar mogelijk teruggevonden"
    assert page.published_at == datetime(
        2024, 4, 12, 21, 23, 19, tzinfo=timezone(timedelta(hours=2))
    )
    assert page.published_at is not None and page.published_at.utcoffset() == timedelta(hours=2)
    assert page.author is None
    assert page.language == "nl"
    lines = page.text.splitlines()
    assert [line for line in lines if line not in body] == SUBHEADINGS
    assert re.findall(r"\w+", page.text) == re.findall(r"\w+", _with(body, lines, SUBHEADINGS))


def _with(body: str, lines: list[str], extra: list[str]) -> str:
    """``body`` with the ``extra`` lines put where they stand in ``lines``."""
    out = body
    for heading in extra:
        following = lines[lines.index(heading) + 1]
        out = out.replace(following, f"{heading}\n{following}", 1)
    return out
