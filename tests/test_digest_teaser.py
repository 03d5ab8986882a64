"""A teaser (only the feed item's text: the page stood behind a wall) is marked as such in the
Markdown, HTML and text digest; an article read from its page is not."""

from __future__ import annotations

from digests.render import render_html, render_markdown, render_text
from tests.test_digest_render import digest_of, row


def test_a_teaser_is_marked_in_every_digest_format_and_a_page_article_is_not() -> None:
    digest = digest_of(row(1, "Achter de muur", "https://ad.nl/1", text_source="feed"))
    assert digest.stories[0].representative.teaser
    assert "*teaser: feed summary only*" in render_markdown(digest)
    assert "<em>teaser: feed summary only</em>" in render_html(digest)
    assert "teaser: feed summary only" in render_text(digest)

    read = digest_of(row(2, "Gelezen", "https://nos.nl/artikel/2-a", text_source="page"))
    assert not read.stories[0].representative.teaser
    for text in (render_markdown(read), render_html(read), render_text(read)):
        assert "teaser" not in text
