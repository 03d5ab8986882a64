"""What the coverage chart and ``newsmon trends`` count: the beat's relevant articles of a
period, each with when it appeared, where, its story and its topics (read-only)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from storage.models import PRECISION_DAY, Article, ArticleTag, Source, Story

SEED_ORIGIN = "seed"


@dataclass(slots=True)
class CoverageRow:
    """One relevant article: its time (published to the day, else first seen) and place."""

    article_id: int
    when: datetime
    url: str | None
    source_name: str | None
    origin: str
    story_id: int | None
    story_label: str | None
    topics: dict[str, tuple[str, float]] = field(default_factory=dict)  # slug -> (label, score)


def _period(start: datetime, end: datetime) -> ColumnElement[bool]:
    """Published (to the day) in [start, end), or, without such a date, first seen then."""
    dated = and_(
        Article.date_precision == PRECISION_DAY,
        Article.published_at >= start,
        Article.published_at < end,
    )
    undated = and_(
        or_(Article.date_precision != PRECISION_DAY, Article.published_at.is_(None)),
        Article.first_seen_at >= start,
        Article.first_seen_at < end,
    )
    return or_(dated, undated)


def coverage_rows(session: Session, start: datetime, end: datetime) -> list[CoverageRow]:
    """Relevant articles of [start, end) with their tags, by id. Copies count (another outlet
    ran the story); seeds do not (they started the beat)."""
    condition = and_(
        Article.relevant.is_(True),
        Article.origin != SEED_ORIGIN,  # the seeds started the beat; they are not coverage
        _period(start, end),
    )
    query = (
        select(
            Article.id,
            Article.published_at,
            Article.date_precision,
            Article.first_seen_at,
            Article.url,
            Source.name,
            Article.origin,
            Article.story_id,
            Story.label,
        )
        .outerjoin(Source, Source.id == Article.source_id)
        .outerjoin(Story, Story.id == Article.story_id)
        .where(condition)
        .order_by(Article.id)
    )
    rows: list[CoverageRow] = []
    for art_id, published, precision, seen, url, source, origin, story_id, label in session.execute(
        query
    ):
        when = published if precision == PRECISION_DAY and published is not None else seen
        rows.append(CoverageRow(art_id, when, url, source, origin, story_id, label))
    tags: dict[int, dict[str, tuple[str, float]]] = defaultdict(dict)
    tag_query = (
        select(ArticleTag.article_id, ArticleTag.topic, ArticleTag.label, ArticleTag.score)
        .join(Article, Article.id == ArticleTag.article_id)
        .where(condition)
    )
    for article_id, topic, topic_label, score in session.execute(tag_query):
        tags[article_id][topic] = (topic_label, score)
    for row in rows:
        row.topics = tags.get(row.article_id, {})
    return rows
