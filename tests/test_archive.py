"""NOS archive day pages: article links found by URL pattern, never by CSS class."""

from __future__ import annotations

from datetime import date

import pytest

from scrapers.archive import archive_day_url, parse_archive_page
from scrapers.outlets.nl import NOS

PAGE = b"""<!doctype html><html><head><title>Archief</title></head><body>
<nav><a href="/">Home</a><a href="/nieuws/archief/2024-04-30">Vorige dag</a></nav>
<main><ul>
<li><a class="sc-9f2a1b link_x1" href="/artikel/2519123-poetin-en-loekasjenko">
  <h2 class="title_abc">Poetin en Loekasjenko</h2><p>Intro</p>
  <time datetime="2024-05-01T10:00:00+0200">10:00</time></a></li>
<li><a href="https://nos.nl/nieuwsuur/artikel/2519124-uniestaat?utm_source=x">Uniestaat
  <time datetime="2024-05-01T09:00:00Z">09:00</time></a></li>
<li><a href="/liveblog/2519125-oorlog">Liveblog</a></li>
<li><a href="/video/2519126-beelden">Video</a></li>
<li><a href="https://elders.example/artikel/1-x">Elders</a></li>
<li><a href="/artikel/2519123-poetin-en-loekasjenko#reacties">Nog eens</a></li>
<li><a href="/artikel/abc-geen-nummer">Geen nummer</a></li>
</ul><section><h2>Meest gelezen</h2><a href="/artikel/2400000-populair">Populair</a></section>
</main></body></html>"""


def test_article_links_by_url_pattern() -> None:
    found = parse_archive_page(PAGE, "https://nos.nl/nieuws/archief/2024-05-01", "nos-archief")
    assert [c.canonical_url for c in found] == [
        "https://nos.nl/artikel/2519123-poetin-en-loekasjenko",
        "https://nos.nl/nieuwsuur/artikel/2519124-uniestaat",
    ]
    first = found[0]
    assert first.title == "Poetin en Loekasjenko"
    assert first.published_at is not None and first.published_at.isoformat().startswith(
        "2024-05-01T10:00"
    )
    assert first.date_source == "archive"
    assert first.origin == "archive"
    assert found[1].title == "Uniestaat"


def test_untimed_links_count_when_no_link_has_a_time() -> None:
    page = b'<html><body><a href="/artikel/1-a">A</a><a href="/artikel/2-b">B</a></body></html>'
    found = parse_archive_page(page, "https://nos.nl/nieuws/archief/2024-05-01", "a")
    assert [c.canonical_url for c in found] == [
        "https://nos.nl/artikel/1-a",
        "https://nos.nl/artikel/2-b",
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/artikel/1-a", True),
        ("/nieuwsuur/artikel/22-b", True),
        ("/sport/artikel/3-c/", True),
        ("/artikel/x-1", False),
        ("/liveblog/1-a", False),
        ("/artikel/1-a/reacties", False),
    ],
)
def test_nos_archive_links_are_articles_by_their_path(path: str, expected: bool) -> None:
    assert NOS.links_article(path) is expected


def test_day_url_template() -> None:
    template = "https://nos.nl/nieuws/archief/{date}"
    assert archive_day_url(template, date(2024, 5, 1)) == "https://nos.nl/nieuws/archief/2024-05-01"
    with pytest.raises(ValueError):
        archive_day_url("https://nos.nl/nieuws/archief", date(2024, 5, 1))
