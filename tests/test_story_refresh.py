"""refresh_story ranks only the members that can win; it must agree with ranking them all."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage.db import session_scope
from storage.dedup import precedence
from storage.models import Article, Story
from storage.sources import get_or_create_source
from storage.stories import create_story, join_story, refresh_story

PRECISIONS = ["day", "day", "month", "unknown"]
BASE = datetime(2024, 3, 10, 9, tzinfo=UTC)


def _expected(
    members: list[Article], session: object
) -> tuple[int, datetime | None, datetime | None]:
    best = min(members, key=lambda a: precedence(session, a))  # type: ignore[arg-type]
    dates = [a.published_at for a in members if a.published_at is not None]
    return best.id, (min(dates) if dates else None), (max(dates) if dates else None)


def _random_article(
    rng: random.Random, key: str, story_id: int | None, sources: list[int], shape: int
) -> Article:
    """A member with a random date, precision and source; ``shape`` 0 mixed, 1 month/unknown
    only, 2 unknown only, 3 all on the same day (ties)."""
    precision = rng.choice(PRECISIONS)
    if shape == 1:
        precision = rng.choice(["month", "unknown"])
    elif shape == 2:
        precision = "unknown"
    published: datetime | None = BASE + timedelta(
        days=rng.randint(-40, 40), hours=rng.randint(0, 23)
    )
    if shape == 3:
        published = BASE
        precision = "day"
    if precision == "month" and published is not None:
        published = published.replace(day=1, hour=0)
    if rng.random() < 0.15:
        published = None
    return Article(
        canonical_url=f"https://x.test/{key}",
        title=f"t{key}",
        text="x",
        text_hash=f"h{key}",
        origin="rss",
        source_id=rng.choice([*sources, None]),
        published_at=published,
        date_precision=precision,
        story_id=story_id,
    )


def _sources(session: Session) -> list[int]:
    sources = [
        get_or_create_source(session, f"s{i}", kind="rss", priority=p).id
        for i, p in enumerate([5, 50, 100])
    ]
    session.flush()
    return sources


def test_refresh_story_matches_ranking_every_member(engine: Engine) -> None:
    rng = random.Random(7)
    with session_scope(engine) as session:
        sources = _sources(session)
        for case_no in range(40):
            story = Story(label="x")
            session.add(story)
            session.flush()
            for n in range(rng.randint(1, 12)):
                session.add(_random_article(rng, f"{case_no}/{n}", story.id, sources, case_no % 4))
            session.flush()
            refresh_story(session, story)
            members = list(session.scalars(select(Article).where(Article.story_id == story.id)))
            rep_id, first, last = _expected(members, session)
            assert story.representative_id == rep_id, case_no
            assert story.label == next(a.title for a in members if a.id == rep_id)
            assert story.first_published_at == first
            assert story.last_published_at == last


def _summary(story: Story) -> tuple[object, ...]:
    return story.representative_id, story.label, story.first_published_at, story.last_published_at


def test_joining_one_at_a_time_leaves_the_story_as_a_full_refresh_would(engine: Engine) -> None:
    # join_story compares the newcomer with the representative and span it keeps, instead of
    # ranking every member again: after every join the story must equal a full refresh.
    rng = random.Random(11)
    with session_scope(engine) as session:
        sources = _sources(session)
        for case_no in range(30):
            founder = _random_article(rng, f"j{case_no}/0", None, sources, case_no % 4)
            session.add(founder)
            session.flush()
            story = create_story(session, founder)
            for n in range(1, rng.randint(2, 10)):
                article = _random_article(rng, f"j{case_no}/{n}", None, sources, case_no % 4)
                session.add(article)
                session.flush()
                join_story(session, story, article, {})
                joined = _summary(story)
                refresh_story(session, story)
                assert joined == _summary(story), (case_no, n)


def test_refresh_story_without_members_leaves_story_alone(engine: Engine) -> None:
    with session_scope(engine) as session:
        story = Story(label="kept")
        session.add(story)
        session.flush()
        refresh_story(session, story)
        assert story.label == "kept"
        assert story.representative_id is None
