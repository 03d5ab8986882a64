"""scrapers/walls.py: a page that says it is not free to read is recognised, on real pages and on
the markup forms publishers use; a free page is not."""

from __future__ import annotations

import gzip

import pytest
from trafilatura.utils import load_html

from scrapers.extract import decode_html
from scrapers.outlets import GENERIC, Outlet
from scrapers.outlets.nl import TELEGRAAF
from scrapers.walls import SCHEMA_MARKER, page_paywall_marker, paywall_marker
from tests.realdata import require_realdata

# The benchmark pages whose markup marks the article as not free (WSJ, NYT, LA Times, Wired,
# Barron's: JSON-LD, JSON-LD hasPart with "False", microdata). Two wday.ru pages say true and a
# National Review page says "": those and the other 169 pages are free.
PAYWALLED = {
    "042bb7b5fe",  # wsj.com
    "04a6711caa",  # nytimes.com, microdata
    "098bb3e96c",  # latimes.com
    "2f42ef1d3e",  # wired.com
    "702d1da63b",  # nytimes.com
    "7ab16ade32",  # wsj.com
    "8634d1211c",  # latimes.com
    "d48aeb9cf2",  # wired.com
    "f8ff621a0b",  # barrons.com
}


def marker(html: str, outlet: Outlet = GENERIC) -> str | None:
    tree = load_html(html)
    assert tree is not None
    return paywall_marker(tree, outlet)


@pytest.mark.realdata
def test_exactly_the_real_pages_marked_not_free_are_found() -> None:
    folder = require_realdata("extraction-benchmark", "html")
    pages = sorted(folder.glob("*.html.gz"))
    assert len(pages) == 181
    found = {}
    for path in pages:
        result = marker(decode_html(gzip.decompress(path.read_bytes())))
        if result is not None:
            found[path.name[:10]] = result
    assert set(found) == PAYWALLED
    assert set(found.values()) == {SCHEMA_MARKER}


@pytest.mark.realdata
def test_the_real_nos_page_is_free() -> None:
    page = require_realdata("nos", "nos_2516536_urker-kotter.utf8.html")
    html = page.read_text(encoding="utf-8")
    assert '"isAccessibleForFree":true' in html
    assert marker(html) is None


@pytest.mark.parametrize(
    "head",
    [
        '<script type="application/ld+json">{"@type":"NewsArticle","isAccessibleForFree":false}'
        "</script>",
        '<script type="application/ld+json">{"@graph":[{"@type":"WebPage"},'
        '{"@type":"NewsArticle","hasPart":{"isAccessibleForFree":"False"}}]}</script>',
        '<script type="application/ld+json">[{"isAccessibleForFree":"https://schema.org/False"}]'
        "</script>",
        '<meta itemprop="isAccessibleForFree" content="false">',
        '<link itemprop="isAccessibleForFree" href="http://schema.org/False">',
    ],
)
def test_every_schema_org_form_of_not_free_is_found(head: str) -> None:
    assert marker(f"<html><head>{head}</head><body><p>Tekst.</p></body></html>") == SCHEMA_MARKER


def test_a_mediahuis_paid_content_meta_is_found_on_mediahuis_outlets_only() -> None:
    paid = '<meta name="cXenseParse:mhu-article_ispaidcontent" content="true">'
    html = f"<html><head>{paid}</head><body><p>Tekst.</p></body></html>"
    assert marker(html, TELEGRAAF) == "cXenseParse:mhu-article_ispaidcontent: true"
    assert marker(html.replace('"true"', '"false"'), TELEGRAAF) is None
    assert page_paywall_marker(html, "https://www.standaard.be/cnt/dmf20250202_1") is not None
    assert page_paywall_marker(html, "https://nos.nl/artikel/1-a") is None  # not NOS's marker


@pytest.mark.parametrize(
    "head",
    [
        '<script type="application/ld+json">{"isAccessibleForFree":true}</script>',
        '<script type="application/ld+json">{"isAccessibleForFree":""}</script>',
        '<script type="application/ld+json">{"isAccessibleForFree": false</script>',  # broken
        '<script type="application/json">{"isAccessibleForFree":false}</script>',  # not JSON-LD
        '<meta itemprop="isAccessibleForFree" content="True">',
        "<!-- isAccessibleForFree: false -->",
    ],
)
def test_free_pages_and_broken_markup_are_not_walls(head: str) -> None:
    assert marker(f"<html><head>{head}</head><body><p>Tekst.</p></body></html>") is None
