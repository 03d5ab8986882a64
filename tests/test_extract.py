"""Extraction: decoding, NOS boilerplate, identity URL, metadata and no-article pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scrapers.errors import NoArticleError
from scrapers.extract import decode_html, extract_page, strip_boilerplate

BODY = (
    "Rusland en Belarus hebben afgesproken hun legers nauwer te laten samenwerken. "
    "Dat zeiden president Poetin en president Loekasjenko na een ontmoeting in Minsk. "
    "De twee landen vormen sinds 1999 een Uniestaat, maar veel afspraken bleven op papier. "
)
PARAGRAPHS = "".join(f"<p>{BODY} Alinea {i}.</p>" for i in range(4))


def nos_page(body: str = PARAGRAPHS, head: str = "", path: str = "/artikel/1-a") -> str:
    return f"""<!doctype html><html lang="nl"><head><meta charset="utf-8">
<title>Poetin en Loekasjenko | NOS</title>
<link rel="canonical" href="https://nos.nl{path}">
<meta property="og:title" content="Poetin en Loekasjenko">
<meta property="article:published_time" content="2024-05-01T10:00:00+02:00">
<meta name="author" content="Redactie Buitenland">{head}</head><body>
<header><nav><a href="/">Nieuws</a><a href="/sport">Sport</a>
<a href="/nieuwsuur">Menu Nieuwsuur</a></nav></header>
<main><article><h1>Poetin en Loekasjenko</h1>{body}
<div class="share-buttons"><a href="#">Deel op Facebook</a><a href="#">Deel op WhatsApp</a></div>
<p>Buitenland / Deel artikel:</p></article>
<aside><h2>Meer over dit onderwerp</h2>
<a href="/artikel/2-b">Gerelateerd artikel over sancties</a></aside>
</main><footer>Over de NOS · Privacy · Cookies</footer></body></html>"""


def test_article_text_without_boilerplate() -> None:
    page = extract_page(nos_page(), "https://nos.nl/artikel/1-a?utm_source=x")
    assert "Uniestaat" in page.text and "Alinea 3." in page.text
    for junk in (
        "Deel op",
        "Deel artikel",
        "Meer over dit onderwerp",
        "Gerelateerd",
        "Privacy",
        "Menu Nieuwsuur",
    ):
        assert junk not in page.text
    assert page.url == "https://nos.nl/artikel/1-a"
    assert page.title == "Poetin en Loekasjenko"
    assert page.author == "Redactie Buitenland"
    assert page.language == "nl"
    assert page.published_at == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def test_canonical_on_another_host_is_ignored() -> None:
    html = nos_page().replace("https://nos.nl/artikel/1-a", "https://evil.example/artikel/1-a")
    assert extract_page(html, "https://nos.nl/artikel/1-a").url == "https://nos.nl/artikel/1-a"


def test_video_only_page_is_no_article() -> None:
    body = '<video src="/v.mp4"></video><p>Bekijk de beelden van de ontmoeting.</p>'
    head = '<meta property="og:type" content="video.other">'
    with pytest.raises(NoArticleError) as info:
        extract_page(nos_page(body, head, "/video/3-beelden"), "https://nos.nl/video/3-beelden")
    assert "video" in info.value.reason


def test_live_blog_is_no_article() -> None:
    with pytest.raises(NoArticleError) as info:
        extract_page(nos_page(path="/liveblog/4-oorlog"), "https://nos.nl/liveblog/4-oorlog")
    assert "live blog" in info.value.reason


def test_empty_page_is_no_article() -> None:
    with pytest.raises(NoArticleError) as info:
        extract_page("<html><body><p>Kort.</p></body></html>", "https://nos.nl/artikel/5-x")
    assert "no article text" in info.value.reason


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ("Wit-Rusland café".encode(), "text/html; charset=utf-8", "Wit-Rusland café"),
        ("Wit-Rusland café".encode("cp1252"), "text/html", "Wit-Rusland café"),
        ("café €".encode("cp1252"), None, "café €"),
        (b'<meta charset="iso-8859-1">caf\xe9', "text/html", '<meta charset="iso-8859-1">café'),
        ("\ufeffcafé".encode(), None, "café"),
        ("café".encode(), "text/html; charset=bogus-enc", "café"),
    ],
)
def test_decode_html(body: bytes, content_type: str | None, expected: str) -> None:
    assert decode_html(body, content_type) == expected


def test_strip_boilerplate_only_drops_whole_lines() -> None:
    text = "Eerste zin.\nBuitenland / Deel artikel:\nWe delen dit artikel niet.\nDelen"
    assert strip_boilerplate(text) == "Eerste zin.\nWe delen dit artikel niet."


def test_nos_share_and_related_blocks_are_pruned_from_the_text() -> None:
    blocks = (
        '<div data-testid="share-top"><p>Deel dit artikel via Facebook of WhatsApp</p></div>'
        '<section data-testid="related-articles"><p>Gerelateerd: sancties</p></section>'
        '<ul class="links share-buttons"><li>Stuur door per e-mail</li></ul>'
    )
    page = extract_page(nos_page(PARAGRAPHS + blocks + PARAGRAPHS), "https://nos.nl/artikel/1-a")
    assert "Uniestaat" in page.text
    for junk in ("Deel dit artikel", "Gerelateerd", "Stuur door"):
        assert junk not in page.text
