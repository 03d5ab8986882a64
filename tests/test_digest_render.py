"""Rendering: escaping in HTML and Markdown, leads, dates as precise as known, safe links."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from digests.group import GroupInput
from digests.model import DigestData
from digests.render import md_escape, render_html, render_markdown, render_text
from digests.select import assemble, day_window
from digests.text import lead, outlet, published_label
from storage.digests import ArticleRow, TagRow

AMS = ZoneInfo("Europe/Amsterdam")
DAY = date(2026, 3, 10)
EVIL = '<script>alert("x")</script> *bold* [link](javascript:alert(1)) | pipe'


def row(article_id: int, title: str, url: str | None, **extra: object) -> ArticleRow:
    fields: dict[str, object] = {
        "id": article_id,
        "title": title,
        "url": url,
        "origin": "rss",
        "source_name": "feed",
        "published_at": datetime(2026, 3, 10, 8, tzinfo=UTC),
        "date_precision": "day",
        "first_seen_at": datetime(2026, 3, 10, 9, tzinfo=UTC),
        "updated_at": datetime(2026, 3, 10, 9, tzinfo=UTC),
        "version": 1,
        "text": "Eerste zin. Tweede zin. Derde zin.",
        "text_hash": f"h{article_id}",
        "story_id": None,
        "duplicate_of": None,
    }
    fields.update(extra)
    return ArticleRow(**fields)  # type: ignore[arg-type]


def digest_of(*rows: ArticleRow, tags: dict[int, list[TagRow]] | None = None) -> DigestData:
    start, end = day_window(DAY, AMS)
    data = GroupInput(articles=list(rows), tags=tags or {})
    return assemble(data, DAY, "seen", AMS, start, end, None)


def test_html_escapes_scraped_titles() -> None:
    page = render_html(digest_of(row(1, EVIL, "https://nos.nl/artikel/1-a?x=1&y=<2>")))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert 'href="https://nos.nl/artikel/1-a?x=1&amp;y=&lt;2&gt;"' in page
    assert html.unescape(page).count(EVIL) >= 1


def test_markdown_escapes_scraped_titles() -> None:
    text = render_markdown(digest_of(row(1, EVIL, "https://nos.nl/artikel/1-a (b)")))
    assert "<script>" not in text
    assert "\\<script\\>" in text
    assert "\\*bold\\*" in text and "\\[link\\]\\(javascript:alert\\(1\\)\\)" in text
    # The one real link: the URL's parentheses and spaces are encoded.
    links = re.findall(r"\]\(([^#]\S*)\)", text)  # "#story-…" links stay in the digest
    assert links == ["https://nos.nl/artikel/1-a%20%28b%29"]


def test_markdown_escape_keeps_text_on_one_line() -> None:
    assert md_escape("# kop\n- punt") == "\\# kop - punt"
    assert md_escape("1. eerste") == "1\\. eerste"
    assert md_escape("a_b|c") == "a\\_b\\|c"


def test_non_web_urls_are_never_linked() -> None:
    digest = digest_of(row(1, "Titel", "javascript:alert(1)"))
    assert digest.stories[0].representative.url is None
    assert "javascript:" not in render_html(digest)
    assert re.findall(r"\]\([^#]", render_markdown(digest)) == []


def test_seed_without_url_has_no_link_and_text_part_lists_urls() -> None:
    digest = digest_of(
        row(1, "Zonder link", None, origin="seed", source_name="seeds"),
        row(2, "Met link", "https://nos.nl/artikel/2-b"),
    )
    markdown, text = render_markdown(digest), render_text(digest)
    assert "### Zonder link\n" in markdown
    assert "### [Met link](https://nos.nl/artikel/2-b)" in markdown
    assert "seed corpus" in markdown
    assert "  https://nos.nl/artikel/2-b\n" in text


def test_lead_is_two_sentences() -> None:
    assert lead("Eerste zin. Tweede zin! Derde zin.") == "Eerste zin. Tweede zin!"
    assert lead("President A. Loekasjenko sprak. “Nee.” Rest.") == (
        "President A. Loekasjenko sprak. “Nee.”"
    )
    assert lead("Geen punt aan het eind") == "Geen punt aan het eind"
    assert lead("") == ""
    long = lead("woord " * 200 + ".")
    assert len(long) <= 401 and long.endswith("…")


@pytest.mark.parametrize(
    ("value", "precision", "expected"),
    [
        (datetime(2022, 10, 12, 5, 0, 2, tzinfo=UTC), "day", "2022-10-12 07:00"),
        (datetime(2022, 10, 1, tzinfo=UTC), "month", "October 2022"),
        (datetime(2022, 12, 1, tzinfo=UTC), "month", "December 2022"),
        (None, "unknown", "date unknown"),
        (datetime(2022, 12, 1, tzinfo=UTC), "unknown", "date unknown"),
    ],
)
def test_published_label_is_as_precise_as_known(
    value: datetime | None, precision: str, expected: str
) -> None:
    assert published_label(value, precision, ZoneInfo("Europe/Amsterdam")) == expected


def test_outlet_names() -> None:
    assert outlet("https://www.NOS.nl/artikel/1", "nos-feed", "rss") == "nos.nl"
    assert outlet(None, "seeds", "seed") == "seed corpus"
    assert outlet(None, "archief", "archive") == "archief"


def test_relevance_topic_groups_only_stories_without_a_subtopic() -> None:
    beat = TagRow("belarus-russia", "Belarus–Russia relations", 3.0, [{"text": "Minsk"}])
    # A subtopic's stored score is its strength (1.0 = just over its threshold).
    military = TagRow("military-cooperation", "Military cooperation", 1.5, [])
    digest = digest_of(
        row(1, "Alleen de beat", "https://nos.nl/artikel/1-a"),
        row(2, "Met subtopic", "https://nos.nl/artikel/2-b"),
        row(3, "Niet getagd", "https://nos.nl/artikel/3-c"),
        tags={1: [beat], 2: [beat, military]},
    )
    assert [(g.label, [s.representative.id for s in g.stories]) for g in digest.groups] == [
        ("Military cooperation", [2]),
        ("Belarus–Russia relations", [1]),
        ("Not yet tagged", [3]),
    ]
    with_subtopic = digest.groups[0].stories[0]
    assert with_subtopic.topics == ["Military cooperation"]
    assert with_subtopic.evidence == ["Minsk"]
    assert [(c.label, c.stories) for c in digest.topic_counts] == [
        ("Belarus–Russia relations", 1),
        ("Military cooperation", 1),
    ]


def test_new_story_list_is_capped_with_a_count() -> None:
    digest = digest_of(*[row(i, f"Bericht {i:02d}", None) for i in range(1, 14)])
    markdown = render_markdown(digest)
    assert "- [Bericht 10](#story-a10)\n- … and 3 more\n" in markdown
    assert "<li>… and 3 more</li>" in render_html(digest)
