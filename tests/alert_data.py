"""Stories for the alert and feed tests, built through the models with explicit times.

``NOW`` is the moment every publish pass in these tests runs at:

- story "army": nos.nl, nu.nl, rtl.nl within three hours this morning, military cooperation
  (the last two first seen an hour ago);
- story "nuclear": one nos.nl article this morning, nuclear weapons, seen half an hour ago;
- story "archive": a 2023 article about military cooperation, first seen two hours ago;
- a seed (relevant by definition) about military cooperation, first seen three hours ago.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from storage.db import session_scope
from storage.models import Article, ArticleTag, Story

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TEXT = (
    "Rusland en Belarus vormen een gezamenlijke legereenheid, zegt Loekasjenko. "
    "De eenheid moet de grens met Oekraïne bewaken. Een derde zin volgt hier. "
    "Poetin sprak van een historische stap voor de Uniestaat, terwijl de oppositie in "
    "ballingschap waarschuwde voor een verdere inlijving van het land door Moskou."
)


def add_article(
    engine: Engine,
    *,
    story_id: int | None,
    url: str | None,
    title: str,
    topics: tuple[str, ...],
    published_at: datetime | None,
    first_seen_at: datetime,
    origin: str = "rss",
    text: str = TEXT,
    text_source: str = "page",
) -> int:
    """Store one relevant article (tagged ``belarus-russia`` and ``topics``) in a story."""
    with session_scope(engine) as session:
        article = Article(
            canonical_url=url or f"seed:{title}",
            url=url,
            origin=origin,
            title=title,
            text=text,
            text_source=text_source,
            n_chars=len(text),
            text_hash=f"hash-{url or title}",
            relevant=True,
            published_at=published_at,
            date_precision="day" if published_at else "unknown",
            first_seen_at=first_seen_at,
            updated_at=first_seen_at,
            last_checked_at=first_seen_at,
            story_id=story_id,
        )
        session.add(article)
        session.flush()
        for slug in ("belarus-russia", *topics):
            session.add(
                ArticleTag(article_id=article.id, topic=slug, label=slug.title(), score=2.0)
            )
        return article.id


def new_story(engine: Engine, label: str) -> int:
    with session_scope(engine) as session:
        story = Story(label=label)
        session.add(story)
        session.flush()
        return story.id


def set_representative(engine: Engine, story_id: int, article_id: int) -> None:
    with session_scope(engine) as session:
        story = session.get(Story, story_id)
        assert story is not None
        story.representative_id = article_id


def build(engine: Engine) -> dict[str, Any]:
    """The stories above; returns their ids."""
    hour = timedelta(hours=1)
    army = new_story(engine, "army")
    first = add_article(
        engine,
        story_id=army,
        url="https://nos.nl/artikel/1-legereenheid",
        title="Rusland en Belarus vormen gezamenlijke legereenheid",
        topics=("military-cooperation",),
        published_at=NOW - 4 * hour,
        first_seen_at=NOW - 4 * hour,
    )
    set_representative(engine, army, first)
    for minutes, url in ((60, "https://www.nu.nl/2-leger"), (150, "https://www.rtl.nl/3-leger")):
        add_article(
            engine,
            story_id=army,
            url=url,
            title=f"Legers voegen eenheden samen ({url})",
            topics=("military-cooperation",),
            published_at=NOW - 4 * hour + timedelta(minutes=minutes),
            first_seen_at=NOW - hour,
        )
    nuclear = new_story(engine, "nuclear")
    set_representative(
        engine,
        nuclear,
        add_article(
            engine,
            story_id=nuclear,
            url="https://nos.nl/artikel/4-kernwapens",
            title="Kernwapens naar Belarus",
            topics=("nuclear-weapons",),
            published_at=NOW - 2 * hour,
            first_seen_at=NOW - hour / 2,
        ),
    )
    archive = new_story(engine, "archive")
    add_article(
        engine,
        story_id=archive,
        url="https://nos.nl/artikel/5-oefening-2023",
        title="Gezamenlijke oefening in 2023",
        topics=("military-cooperation",),
        published_at=datetime(2023, 6, 14, 9, tzinfo=UTC),
        first_seen_at=NOW - 2 * hour,
    )
    seed_story = new_story(engine, "seed")
    add_article(
        engine,
        story_id=seed_story,
        url=None,
        origin="seed",
        title="Een seed over de legereenheid",
        topics=("military-cooperation",),
        published_at=None,
        first_seen_at=NOW - 3 * hour,
    )
    return {"army": army, "nuclear": nuclear, "archive": archive, "seed": seed_story}
