"""A title is the heading's text: code inside the heading never ends up in it."""

from __future__ import annotations

import pytest

from scrapers.extract import extract_page

PROSE = "".join(
    f"<p>De Russische en Belarussische ministers spraken in Minsk over de Uniestaat ({i}).</p>"
    for i in range(6)
)


@pytest.mark.parametrize(
    "heading",
    [
        "<h1>Titel<script>var x=1</script></h1>",
        "<h1>Titel<style>h1 { color: red }</style></h1>",
        "<h1><span>Titel</span><script type='text/javascript'>track('kop')</script></h1>",
    ],
)
def test_script_or_style_inside_the_heading_is_not_in_the_title(heading: str) -> None:
    html = f"<html><head></head><body><article>{heading}{PROSE}</article></body></html>"
    page = extract_page(html, "https://nos.nl/artikel/1-titel")
    assert page.title == "Titel"
    assert "var x" not in page.text and "color" not in page.text


def test_the_title_is_not_repeated_as_the_first_line_of_the_text() -> None:
    html = f"<html><body><article><h1>Titel</h1>{PROSE}</article></body></html>"
    page = extract_page(html, "https://nos.nl/artikel/1-titel")
    assert page.title == "Titel"
    assert page.text.splitlines()[0].startswith("De Russische")
