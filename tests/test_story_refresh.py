"""refresh_story ranks only the members that can win; it must agree with ranking them all."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from storage.db import session_scope
from storage.dedup import precedence
from storage.models import Article, Story
from storage.sources import get_or_create_source
from storage.stories import refresh_story

PRECISIONS = ["day", "day", "month", "unknown"]


def _expected(
    members: list[Article], session: object
) -> tuple[int, datetime | None, datetime | None]:
    best = min(members, key=lambda a: precedence(session, a))  # type: ignore[arg-type]
    dates = [a.published_at for a in members if a.published_at is not None]
    return best.id, (min(dates) if dates else None), (max(dates) if dates else None)


def test_refresh_story_matches_ranking_every_member(engine: Engine) -> None:
    rng = random.Random(7)
    base = datetime(2024, 3, 10, 9, tzinfo=UTC)
    with session_scope(engine) as session:
        sources = [
            get_or_create_source(session, f"s{i}", kind="rss", priority=p).id
            for i, p in enumerate([5, 50, 100])
        ]
        session.flush()
        for case_no in range(40):
            story = Story(label="x")
            session.add(story)
            session.flush()
            shape = case_no % 4  # 0 mixed, 1 month/unknown only, 2 unknown only, 3 ties
            for n in range(rng.randint(1, 12)):
                precision = rng.choice(PRECISIONS)
                if shape == 1:
                    precision = rng.choice(["month", "unknown"])
                elif shape == 2:
                    precision = "unknown"
                published: datetime | None = base + timedelta(
                    days=rng.randint(-40, 40), hours=rng.randint(0, 23)
                )
                if shape == 3:
                    published = base
                    precision = "day"
                if precision == "month" and published is not None:
                    published = published.replace(day=1, hour=0)
                if rng.random() < 0.15:
                    published = None
                session.add(
                    Article(
                        canonical_url=f"https://x.test/{case_no}/{n}",
                        title=f"t{case_no}-{n}",
                        text="x",
                        text_hash=f"h{case_no}-{n}",
                        origin="rss",
                        source_id=rng.choice([*sources, None]),
                        published_at=published,
                        date_precision=precision,
                        story_id=story.id,
                    )
                )
            session.flush()
            refresh_story(session, story)
            members = list(session.scalars(select(Article).where(Article.story_id == story.id)))
            rep_id, first, last = _expected(members, session)
            assert story.representative_id == rep_id, case_no
            assert story.label == next(a.title for a in members if a.id == rep_id)
            assert story.first_published_at == first
            assert story.last_published_at == last


def test_refresh_story_without_members_leaves_story_alone(engine: Engine) -> None:
    with session_scope(engine) as session:
        story = Story(label="kept")
        session.add(story)
        session.flush()
        refresh_story(session, story)
        assert story.label == "kept"
        assert story.representative_id is None
