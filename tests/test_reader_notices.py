"""Notices to the reader (an adblocker toast, a cookie bar) are no article text, and a page that
flags its whole ``<body>`` with such a class keeps its article. The toast is NU.nl's real one
(``../shared/realdata/outlets/``), the text around it the real article of the same page."""

from __future__ import annotations

import re

import pytest

from scrapers.errors import NoArticleError
from scrapers.extract import decode_html, extract_page
from tests.realdata import require_realdata

NU = "bijgeschaafd__www_nu_nl_algemeen_4225459_automobilisten-krijgen-last-van-gladheid-en-mist"
URL = "https://example.org/nieuws/gladheid"


def nu_page() -> str:
    return decode_html((require_realdata("outlets") / f"{NU}.html").read_bytes(), None)


def toast(html: str) -> str:
    found = re.search(r'<div class="block toast adblocker".*?Klik dan hier</a>\.', html, re.S)
    assert found is not None and len(found.group(0)) < 1000
    return found.group(0) + "</p></div></div>"


@pytest.mark.realdata
def test_the_real_adblock_toast_is_not_text_even_as_a_plain_paragraph() -> None:
    notice = toast(nu_page()).replace('class="block toast adblocker"', "")
    prose = "".join(
        f"<p>Tijdens opklaringen kunnen natte wegen bevriezen, alinea {n}.</p>" for n in range(8)
    )
    page = extract_page(f"<html><body><article>{notice}{prose}</article></body></html>", URL)
    assert "adblocker" not in page.text and "Beste bezoeker" not in page.text


@pytest.mark.realdata
def test_a_page_of_only_the_adblock_toast_is_no_article() -> None:
    with pytest.raises(NoArticleError):
        extract_page(f"<html><body>{toast(nu_page())}</body></html>", URL)


@pytest.mark.realdata
def test_a_body_flagged_adblock_and_cookie_consent_keeps_its_article() -> None:
    html = nu_page().replace("<body", '<body class="adblock-detected cookie-consent-open"', 1)
    page = extract_page(html, "http://www.nu.nl/algemeen/4225459/automobilisten.html")
    assert "Tijdens opklaringen kunnen natte wegen bevriezen" in page.text
    assert "adblocker" not in page.text
