"""Choosing a day's articles, marking news and updates, source health: on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from digests.model import ARTICLE_UPDATED, MODE_PUBLISHED, STORY_NEW, STORY_UPDATE
from digests.select import collect_digest, day_window
from pipeline.digest import build_digest
from storage.db import session_scope
from storage.digest_health import source_health
from storage.digests import articles_published_in, articles_seen_in, count_untagged_seen_in
from storage.models import Article, Digest, DigestItem
from tests.digest_data import DAY, build, utc

AMS = ZoneInfo("Europe/Amsterdam")


def test_day_window_follows_local_midnight_and_dst() -> None:
    assert day_window(DAY, AMS) == (utc(2026, 3, 9, 23), utc(2026, 3, 10, 23))
    start, end = day_window(date(2026, 3, 29), AMS)  # clocks go forward: a 23-hour day
    assert end - start == timedelta(hours=23)
    start, end = day_window(date(2026, 10, 25), AMS)  # clocks go back: a 25-hour day
    assert end - start == timedelta(hours=25)
    assert day_window(DAY, ZoneInfo("UTC")) == (utc(2026, 3, 10), utc(2026, 3, 11))


def test_seen_window_picks_relevant_and_changed_articles(engine: Engine) -> None:
    ids = build(engine)
    start, end = day_window(DAY, AMS)
    with session_scope(engine) as session:
        rows = articles_seen_in(session, start, end)
        untagged = count_untagged_seen_in(session, start, end)
    names = {key for key, value in ids.items() if value in {row.id for row in rows}}
    # E1 untagged (not a seed), F1 not relevant, G1 next day, B1 the day before: left out.
    # C1 was first seen two days ago but its text changed today; D1 is an untagged seed.
    assert names == {"A1", "A2", "A3", "B2", "C1", "D1"}
    assert untagged == 1


def test_published_mode_never_invents_a_day(engine: Engine) -> None:
    ids = build(engine)
    start, end = day_window(DAY, AMS)
    month = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    with session_scope(engine) as session:
        on_day = {r.id for r in articles_published_in(session, start, end, None)}
        first = day_window(date(2026, 3, 1), AMS)
        on_first = {r.id for r in articles_published_in(session, *first, month)}
    assert on_day == {ids["A1"], ids["A2"], ids["A3"], ids["B2"]}
    # D1 is known only to March 2026: it appears on the first of the month, labelled so.
    assert on_first == {ids["D1"]}
    with session_scope(engine) as session:
        digest = collect_digest(session, date(2026, 3, 1), AMS, MODE_PUBLISHED)
    assert [s.representative.when for s in digest.stories] == ["March 2026"]


def test_stories_are_grouped_and_marked(engine: Engine) -> None:
    ids = build(engine)
    with session_scope(engine) as session:
        digest = collect_digest(session, DAY, AMS)
    by_title = {s.representative.id: s for s in digest.stories}
    army = by_title[ids["A1"]]
    assert [a.id for a in army.others] == [ids["A2"], ids["A3"]]
    assert (army.mark, army.other_outlets, army.near_duplicates) == (STORY_NEW, 2, 1)
    assert army.topics == ["Military cooperation", "Leaders' diplomacy"]
    assert army.evidence[:2] == ["Loekasjenko", "legereenheid"]
    minsk = by_title[ids["B2"]]
    assert (minsk.mark, minsk.previous_day) == (STORY_UPDATE, date(2026, 3, 9))
    sanctions = by_title[ids["C1"]]
    assert sanctions.representative.mark == ARTICLE_UPDATED
    assert digest.news.previous_day == date(2026, 3, 9)
    assert (digest.news.new_stories, digest.news.updated_stories) == (2, 2)
    assert digest.news.updated_articles == 1
    assert [g.label for g in digest.groups][-1] == "Not yet tagged"
    assert (digest.n_stories, digest.n_articles, digest.untagged) == (4, 6, 1)


def test_source_health_lists_failures_in_the_window(engine: Engine) -> None:
    build(engine)
    with session_scope(engine) as session:
        health = source_health(session, *day_window(DAY, AMS))
    assert health.n_sources == 3
    assert [(r.name, r.failures) for r in health.failing] == [("nu-feed", 2)]
    row = health.failing[0]
    assert row.last_error == "connect_error: connection refused"
    assert row.last_success_at == utc(2026, 3, 8, 5, 30)


def test_rebuilding_a_day_replaces_its_record(engine: Engine, tmp_path: Path) -> None:
    ids = build(engine)
    first = build_digest(engine, DAY, out_dir=tmp_path)
    again = build_digest(engine, DAY, out_dir=tmp_path)
    assert first.markdown == again.markdown
    with session_scope(engine) as session:
        n_digests = session.scalar(
            select(func.count()).select_from(Digest).where(Digest.day == DAY)
        )
        items = set(
            session.scalars(select(DigestItem.article_id).join(Digest).where(Digest.day == DAY))
        )
    assert n_digests == 1
    assert items == {ids[k] for k in ("A1", "A2", "A3", "B2", "C1", "D1")}
    # The next day, a new article in the army story is an update to what was reported today.
    with session_scope(engine) as session:
        army_story = session.get(Article, ids["A1"]).story_id  # type: ignore[union-attr]
        session.add(
            Article(
                canonical_url="https://nos.nl/artikel/10-vervolg",
                url="https://nos.nl/artikel/10-vervolg",
                origin="rss",
                title="Vervolg legereenheid",
                text="Meer over de legereenheid.",
                text_hash="hash-H1",
                relevant=True,
                story_id=army_story,
                first_seen_at=utc(2026, 3, 11, 12),
            )
        )
    with session_scope(engine) as session:
        later = collect_digest(session, DAY + timedelta(days=1), AMS)
    marks = {s.representative.title: (s.mark, s.previous_day) for s in later.stories}
    assert marks == {
        "Vervolg legereenheid": (STORY_UPDATE, DAY),
        "Morgen": (STORY_NEW, None),
    }
    assert later.news.previous_day == DAY
