"""A digest that reads well: breaking and newest stories first, "New" items linked to their
story, seeds not counted as outlets, no tracking parameters in links, no lead that repeats the
title, dates in the health table kept on one line (pure: assembled and rendered rows), and a
paywall teaser that is not a source failure (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from digests.group import GroupInput
from digests.model import DigestData, SourceHealth
from digests.render import render_html, render_markdown
from digests.select import assemble, day_window
from digests.text import clean_link, lead
from storage.db import session_scope
from storage.digest_health import source_health
from storage.digests import ArticleRow, MemberRow, StoryRow
from storage.models import FetchLog, Source
from tests.test_digest_render import AMS, DAY, digest_of, row


def stories_digest(rows: list[ArticleRow], breaking: set[int]) -> DigestData:
    start, end = day_window(DAY, AMS)
    data = GroupInput(articles=rows)
    return assemble(data, DAY, "seen", AMS, start, end, None, breaking_ids=breaking)


def test_breaking_first_then_newest_first_within_a_section() -> None:
    def story(number: int, title: str, published: datetime) -> ArticleRow:
        return row(number, title, None, story_id=10 + number, published_at=published)

    rows = [
        story(1, "Aa: uit 2022", datetime(2022, 10, 10, 8, tzinfo=UTC)),
        story(2, "Bb: vanochtend", datetime(2026, 3, 10, 6, tzinfo=UTC)),
        story(3, "Cc: vanmiddag", datetime(2026, 3, 10, 14, tzinfo=UTC)),
        story(4, "Dd: breekt net", datetime(2026, 3, 10, 5, tzinfo=UTC)),
    ]
    digest = stories_digest(rows, breaking={14})
    titles = [s.representative.title for s in digest.stories]
    assert titles == ["Dd: breekt net", "Cc: vanmiddag", "Bb: vanochtend", "Aa: uit 2022"]
    assert "**Breaking** · **New story**" in render_markdown(digest)


def test_new_items_link_to_their_story_in_html_and_markdown() -> None:
    digest = digest_of(row(7, "Verdrag getekend", "https://nos.nl/artikel/7-verdrag"))
    html_page, markdown = render_html(digest), render_markdown(digest)
    assert '<li><a href="#story-a7">Verdrag getekend</a></li>' in html_page
    assert 'id="story-a7"' in html_page
    assert "- [Verdrag getekend](#story-a7)" in markdown
    assert '<a id="story-a7"></a>\n### [Verdrag getekend]' in markdown


def test_the_seed_corpus_is_not_counted_as_an_outlet() -> None:
    seed = row(1, "Legereenheid", None, origin="seed", source_name="seeds", story_id=5)
    article = row(2, "Legereenheid gevormd", "https://nos.nl/artikel/2-eenheid", story_id=5)
    start, end = day_window(DAY, AMS)
    data = GroupInput(
        articles=[seed, article],
        stories={5: StoryRow(5, "Legereenheid gevormd", 2)},
        members=[MemberRow(1, 5, None, "seed", "seeds", None)],
    )
    digest = assemble(data, DAY, "seen", AMS, start, end, None)
    (story,) = digest.stories
    assert story.other_outlets == 0
    assert "Coverage: 0 other outlets" in render_markdown(digest)


def test_tracking_parameters_are_stripped_from_links_only() -> None:
    url = "https://nos.nl/artikel/2478335-x?utm_source=rss&utm_medium=feed&id=3&fbclid=abc"
    assert clean_link(url) == "https://nos.nl/artikel/2478335-x?id=3"
    assert clean_link("https://nos.nl/artikel/1-a?x=1&y=2") == "https://nos.nl/artikel/1-a?x=1&y=2"
    digest = digest_of(row(1, "Kernwapens", url))
    assert "utm_" not in render_html(digest) and "utm_" not in render_markdown(digest)


def test_a_title_taken_from_the_first_sentence_is_not_repeated_as_the_lead() -> None:
    text = (
        "Vladimir Poetin spreekt wel vaker af met zijn collega Loekasjenko, maar voor het eerst "
        "sinds 2019 reist hij af naar Minsk. Daar praten ze over de Uniestaat. Verder niets."
    )
    title = "Vladimir Poetin spreekt wel vaker af met zijn collega Loekasjenko, maar voor het…"
    assert lead(text, title=title) == "Daar praten ze over de Uniestaat. Verder niets."
    assert lead("Kort. Tweede zin.", title="Kort.") == "Kort. Tweede zin."  # too short to judge


def test_health_table_dates_do_not_wrap() -> None:
    digest = digest_of(row(1, "Iets", None))
    digest.n_sources = 2
    digest.health = [
        SourceHealth(
            "nu-feed", "failing", 2, "connect_error", "2026-03-10 13:00", "2026-03-08 06:30"
        )
    ]
    page = render_html(digest)
    assert '<td style="white-space: nowrap;">2026-03-10 13:00</td>' in page
    assert '<td style="white-space: nowrap;">2026-03-08 06:30</td>' in page


def test_a_paywall_teaser_is_not_a_source_failure(engine: Engine) -> None:
    start, end = day_window(DAY, AMS)
    when = start + timedelta(hours=9)
    with session_scope(engine) as session:
        walled = Source(name="betaalmuur", kind="rss", status="ok")
        broken = Source(name="kapot", kind="rss", status="failing")
        session.add_all([walled, broken])
        session.flush()
        session.add_all(
            [
                FetchLog(
                    source_id=walled.id,
                    url="https://x.nl/a/1",
                    requested_at=when,
                    outcome="paywall",
                    error="isAccessibleForFree: false",
                ),
                FetchLog(
                    source_id=walled.id,
                    url="https://x.nl/a/2",
                    requested_at=when,
                    outcome="consent_wall",
                    error="redirect to a consent host",
                ),
                FetchLog(
                    source_id=broken.id,
                    url="https://y.nl/feed",
                    requested_at=when,
                    outcome="http_error",
                    error="HTTP 500",
                ),
            ]
        )
    with session_scope(engine) as session:
        health = source_health(session, start, end)
    assert [row.name for row in health.failing] == ["kapot"]
