"""Decoding keeps a page readable: one invalid byte costs one character, not the page's accents,
and a label that the bytes contradict (a real NOS page re-encoded under its UTF-8 label) is
overruled by what the bytes are."""

from __future__ import annotations

import pytest

from scrapers.extract import decode_html, extract_page
from scrapers.fetch_result import decode_body
from tests.realdata import require_realdata

SENTENCE = (
    "Het Oekraïense leger heeft de aanval op de brug bij Cherson gecoördineerd, zegt één bron."
)
TITLE = "Oekraïne meldt succes bij Cherson: brug ‘beschadigd’"
NOS_URL = "https://nos.nl/artikel/2516536-vermiste-urker-kotter-na-58-jaar-mogelijk-teruggevonden"


def dutch_page(charset_meta: str = '<meta charset="utf-8">') -> bytes:
    paragraphs = "".join(f"<p>{SENTENCE} Alinea {i} met café en reünie.</p>" for i in range(5))
    html = (
        f"<!doctype html><html lang='nl'><head>{charset_meta}<title>{TITLE}</title></head>"
        f"<body><article><h1>{TITLE}</h1>{paragraphs}</article></body></html>"
    )
    body = html.encode()
    cut = body.index(b"Alinea 2")
    return body[:cut] + b"\xff" + body[cut:]  # one byte that is never valid UTF-8


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "text/html", None])
@pytest.mark.parametrize("meta", ['<meta charset="utf-8">', ""])
def test_one_invalid_byte_in_a_utf8_page_costs_one_character(
    content_type: str | None, meta: str
) -> None:
    text, encoding = decode_body(dutch_page(meta), content_type)
    assert encoding == "utf-8"
    assert text.count("\ufffd") == 1
    assert text.count(SENTENCE) == 5 and "Ã" not in text


def test_a_utf8_dutch_page_with_one_bad_byte_keeps_its_accents_in_title_and_text() -> None:
    page = extract_page(decode_html(dutch_page(), "text/html"), "https://nos.nl/artikel/1-a")
    assert page.title == TITLE
    assert SENTENCE in page.text and "reünie" in page.text and "Ã" not in page.text


def test_valid_utf8_under_a_legacy_label_is_read_as_utf8() -> None:
    body = f"<html><head><meta charset='iso-8859-1'></head><body>{SENTENCE}</body></html>"
    text, encoding = decode_body(body.encode(), "text/html; charset=ISO-8859-1")
    assert encoding == "utf-8" and SENTENCE in text


@pytest.mark.realdata
def test_a_real_nos_page_re_encoded_under_its_utf8_label_reads_like_the_utf8_copy() -> None:
    nos = require_realdata("nos")
    raw = (nos / "nos_2516536_raw_as_saved_cp1252.html").read_bytes()
    utf8 = (nos / "nos_2516536_urker-kotter.utf8.html").read_bytes()
    assert b'charset="utf-8"' in raw.lower() or b"charset=utf-8" in raw.lower()
    expected = utf8.decode("utf-8")
    for content_type in ("text/html; charset=utf-8", "text/html", None):
        text, encoding = decode_body(raw, content_type)
        assert encoding == "windows-1252" and text == expected
    page = extract_page(decode_html(raw, "text/html; charset=utf-8"), NOS_URL)
    assert page == extract_page(expected, NOS_URL)
