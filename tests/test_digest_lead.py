"""The digest's lead is the article's first sentences after its title and byline."""

from __future__ import annotations

from digests.text import lead
from scrapers.extract import extract_page
from tests.site import NosSite


def test_the_lead_of_an_extracted_article_skips_title_and_byline(site: NosSite) -> None:
    import httpx

    article = next(a for a in site.content.articles if a.author == "Sander van Hoorn")
    html = httpx.get(site.url(article.path), timeout=10).text
    page = extract_page(html, site.url(article.path))
    made = lead(page.text, title=article.title)
    assert "door Sander van Hoorn" not in made and "Sander van Hoorn" not in made
    assert article.title not in made
    assert made.startswith("Belarus en Rusland gaan een gezamenlijke legereenheid vormen.")


def test_a_byline_further_down_and_a_title_like_first_sentence_are_kept() -> None:
    text = (
        "Loekasjenko kondigde maandag een legermacht aan. Rusland doet mee.\n"
        "door Tijs van de Vijver\n"
        "Meer tekst."
    )
    assert lead(text, title="Iets anders") == (
        "Loekasjenko kondigde maandag een legermacht aan. Rusland doet mee."
    )


def test_bylines_with_a_role_are_recognised_and_sentences_starting_with_door_are_not() -> None:
    text = "Titel\nDoor Eva Hartog, correspondent Rusland\nDe eerste zin. De tweede zin. Derde."
    assert lead(text, title="Titel") == "De eerste zin. De tweede zin."
    body = "Door de oorlog stijgen de prijzen fors. Tweede zin. Derde."
    assert lead(body, title="Prijzen") == "Door de oorlog stijgen de prijzen fors. Tweede zin."
