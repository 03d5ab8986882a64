"""The cheaper extraction path gives exactly what the plain calls gave.

``_extract_text`` prunes a document root itself (XPaths compiled once) and passes trafilatura
prepared options; ``_Markup`` finds in one pass what one XPath per question found, and parses
each JSON-LD text once. Each is compared here with the straightforward code it replaced.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import trafilatura
import trafilatura.core
from lxml.html import HtmlElement
from trafilatura.settings import Extractor

from scrapers.extract import (
    _NOT_JSON,
    MIN_TEXT_CHARS,
    PRUNE_XPATH,
    _extract_text,
    _Markup,
    _options,
    load_html,
    strip_boilerplate,
)
from tests.site.routes import static_routes

BASE = "http://127.0.0.1:8765"
SHARE = [
    '<div data-testid="share-top"><p>Deel dit artikel</p><a href="/x">x</a></div>na de knop',
    '<ul class="  share-buttons\tlinks "><li>Facebook</li></ul>staart',
    '<section data-testid="related-articles"><p>Gerelateerd: een ander artikel.</p>'
    '<div data-testid="share-inner">binnen</div></section>',
    '<div data-testid="footer">blijft</div><p class="share-buttons">Weg ermee.</p>',
]
HEAD = (
    '<link rel="Canonical" href="/upper"><link rel="alternate canonical" href="/alt">'
    '<link rel="canonical"><link rel=" canonical\t" href="http://elders.example/x">'
    '<link rel="canonical\u00a0x" href="/nbsp"><meta property="og:url" content="/og">'
    '<meta name="og:url" content="/name-og"><meta property="og:url">'
    '<script type="application/ld+json">\n {"@type": "NewsArticle"}\n</script>'
    '<script type="application/ld+json ">{"@type": "VideoObject"}</script>'
    '<script type="application/ld+json"></script><script type="application/ld+json">{x</script>'
)


def site_pages() -> list[tuple[str, str]]:
    """(url, html) of the test site's HTML pages, plus variants with share blocks and a
    fragment (a page without its document shell)."""
    pages = []
    for path, reply in sorted(static_routes(BASE, BASE).items()):
        if reply.content_type and reply.content_type.startswith("text/html") and reply.body:
            pages.append((BASE + path, reply.body.decode("utf-8")))
    articles = [html for url, html in pages if "/artikel/" in url]
    out = list(pages)
    for i, html in enumerate(articles[:6]):
        parts = html.split("</p>")
        for j, block in enumerate(SHARE):
            parts[(i + 2 * j) % (len(parts) - 1) + 1] += block
        shared = "</p>".join(parts).replace("<head>", "<head>" + HEAD, 1)
        out.append((f"{BASE}/share/{i}", shared))
        body = shared[shared.index("<body>") + 6 : shared.index("</body>")]
        out.append((f"{BASE}/fragment/{i}", f"<h1>Kop</h1>{SHARE[i % len(SHARE)]}{body}"))
        start = shared.index("<p", shared.index("<article"))
        short = shared[:start] + SHARE[0] + shared[start : start + 400] + "</body></html>"
        out.append((f"{BASE}/short/{i}", short))
    return out


def plain_text(html: str, url: str) -> str:
    """``_extract_text`` as it was: trafilatura prunes its copy, builds its options."""
    tree = load_html(html)
    assert tree is not None
    for fast in (True, False):
        raw = trafilatura.extract(
            tree, url=url, prune_xpath=PRUNE_XPATH, include_comments=False, fast=fast
        )
        text = strip_boilerplate(raw or "")
        if len(text) >= MIN_TEXT_CHARS:
            break
    return text


@pytest.mark.parametrize(("url", "html"), site_pages())
def test_extract_text_equals_plain_trafilatura(url: str, html: str) -> None:
    tree = load_html(html)
    assert tree is not None
    expected = plain_text(html, url)
    assert _extract_text(tree, url) == expected
    assert _extract_text(tree, url) == expected  # the pruned tree gives the same again


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("url", ["http://127.0.0.1:8765/artikel/1-a", "https://x/é?q=ü", ""])
def test_options_equal_what_extract_builds(
    monkeypatch: pytest.MonkeyPatch, fast: bool, url: str
) -> None:
    seen: list[Extractor] = []
    real = trafilatura.core.bare_extraction

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["options"])
        return real(*args, **kwargs)

    monkeypatch.setattr(trafilatura.core, "bare_extraction", spy)
    tree = load_html("<html><body><p>Een korte tekst.</p></body></html>")
    trafilatura.extract(tree, url=url, prune_xpath=PRUNE_XPATH, include_comments=False, fast=fast)
    ours = _options(fast, url)
    for name in Extractor.__slots__:
        assert getattr(ours, name) == getattr(seen[0], name), name


def xpath_markup(tree: HtmlElement) -> dict[str, Any]:
    """What the removed XPath questions returned."""
    canonical = tree.xpath(
        "//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href"
    ) + tree.xpath("//meta[@property='og:url']/@content")
    scripts = tree.xpath("//script[@type='application/ld+json']")
    return {
        "canonical": [str(h) for h in canonical],
        "h1s": tree.xpath("//h1"),
        "titles": tree.xpath("//title"),
        "jsonld": [s.text or "" for s in scripts],
    }


@pytest.mark.parametrize(("url", "html"), site_pages())
def test_markup_finds_what_the_xpaths_found(url: str, html: str) -> None:
    tree = load_html(html)
    assert tree is not None
    markup = _Markup.of(tree)
    expected = xpath_markup(tree)
    assert markup.canonical_hrefs == expected["canonical"]
    assert markup.h1s == expected["h1s"] and markup.titles == expected["titles"]
    assert markup.jsonld == expected["jsonld"]
    assert markup.whole == (tree.getroottree().getroot() is tree)
    if markup.whole:
        assert markup.metas == list(tree.iter("meta"))


@pytest.mark.parametrize(
    "text",
    ["", " ", '{"a": 1}', ' \n{"a": 1}\t\r', '\u00a0{"a": 1}', '\ufeff{"a": 1}', ' \ufeff{"a": 1}',
     "[1, 2]", "{x", '{"a": 1} {"b": 2}', "\x0b1", "1\x0c", "nul"],
)  # fmt: skip
def test_json_memo_equals_json_loads(text: str) -> None:
    try:
        expected: Any = json.loads(text)
    except ValueError:
        expected = _NOT_JSON
    markup = _Markup(whole=True)
    assert markup.json(text) == expected
    assert markup.json(text.strip()) == (
        json.loads(text.strip()) if _loads_ok(text.strip()) else _NOT_JSON
    )


def _loads_ok(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
