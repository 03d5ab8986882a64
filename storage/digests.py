"""Digest reads and writes: a window's relevant articles, their tags and stories, what earlier
digests reported, and which digests were recorded and emailed.

Everything returned is plain data (dataclasses), so the digest stages never hold a session.
Source health for the digest lives in :mod:`storage.digest_health`, email sends in
:mod:`storage.digest_sends`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from storage.db import existing_or_added
from storage.models import (
    PRECISION_DAY,
    PRECISION_MONTH,
    Article,
    ArticleTag,
    Digest,
    DigestItem,
    Source,
    Story,
)
from storage.types import utcnow

SEED_ORIGIN = "seed"
_CHUNK = 500


@dataclass(slots=True)
class ArticleRow:
    """What a digest needs of one article."""

    id: int
    title: str
    url: str | None
    origin: str
    source_name: str | None
    published_at: datetime | None
    date_precision: str
    first_seen_at: datetime
    updated_at: datetime
    version: int
    text: str
    text_hash: str
    story_id: int | None
    duplicate_of: int | None
    text_source: str = "page"  # page | feed (a teaser) | seed


@dataclass(slots=True)
class TagRow:
    """One topic of an article with its evidence spans."""

    topic: str
    label: str
    score: float
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class StoryRow:
    """A story's label and representative article."""

    id: int
    label: str
    representative_id: int | None


@dataclass(slots=True)
class MemberRow:
    """A member of a story (any day): enough to count outlets and near-duplicates."""

    id: int
    story_id: int | None
    url: str | None
    origin: str
    source_name: str | None
    duplicate_of: int | None


@dataclass(slots=True)
class ReportedItem:
    """How an article was last reported in an earlier digest."""

    article_id: int
    story_id: int | None
    text_hash: str
    day: date


def relevant_clause() -> Any:
    """Relevant to the beat: tagged relevant, or a seed not tagged yet (seeds define the beat)."""
    return or_(
        Article.relevant == True,  # noqa: E712 - SQL comparison
        and_(Article.relevant.is_(None), Article.origin == SEED_ORIGIN),
    )


def article_query() -> Any:
    return select(
        Article.id,
        Article.title,
        Article.url,
        Article.origin,
        Source.name,
        Article.published_at,
        Article.date_precision,
        Article.first_seen_at,
        Article.updated_at,
        Article.version,
        Article.text,
        Article.text_hash,
        Article.story_id,
        Article.duplicate_of,
        Article.text_source,
    ).outerjoin(Source, Source.id == Article.source_id)


def article_rows(session: Session, query: Any) -> list[ArticleRow]:
    return [ArticleRow(*row) for row in session.execute(query.order_by(Article.id))]


def articles_seen_in(session: Session, start: datetime, end: datetime) -> list[ArticleRow]:
    """Relevant articles first seen in [start, end), or whose text changed in it."""
    changed = and_(Article.version > 1, Article.updated_at >= start, Article.updated_at < end)
    seen = and_(Article.first_seen_at >= start, Article.first_seen_at < end)
    return article_rows(session, article_query().where(relevant_clause(), or_(seen, changed)))


def articles_published_in(
    session: Session, start: datetime, end: datetime, month: tuple[datetime, datetime] | None
) -> list[ArticleRow]:
    """Relevant articles published in [start, end) to the day, plus, when ``month`` is given,
    those known only to the month [month[0], month[1])."""
    by_day = and_(
        Article.date_precision == PRECISION_DAY,
        Article.published_at >= start,
        Article.published_at < end,
    )
    condition = by_day
    if month is not None:
        by_month = and_(
            Article.date_precision == PRECISION_MONTH,
            Article.published_at >= month[0],
            Article.published_at < month[1],
        )
        condition = or_(by_day, by_month)
    return article_rows(session, article_query().where(relevant_clause(), condition))


def count_untagged_seen_in(session: Session, start: datetime, end: datetime) -> int:
    """Fetched (non-seed) articles first seen in the window that tagging has not judged yet."""
    query = select(func.count(Article.id)).where(
        Article.relevant.is_(None),
        Article.origin != SEED_ORIGIN,
        Article.first_seen_at >= start,
        Article.first_seen_at < end,
    )
    return session.scalar(query) or 0


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    values = sorted(set(ids))
    for begin in range(0, len(values), _CHUNK):
        yield values[begin : begin + _CHUNK]


def tags_for(session: Session, article_ids: Iterable[int]) -> dict[int, list[TagRow]]:
    """Topic tags per article, best score first."""
    tags: dict[int, list[TagRow]] = {}
    for part in _chunks(article_ids):
        query = (
            select(ArticleTag)
            .where(ArticleTag.article_id.in_(part))
            .order_by(ArticleTag.article_id, ArticleTag.score.desc(), ArticleTag.topic)
        )
        for tag in session.scalars(query):
            tags.setdefault(tag.article_id, []).append(
                TagRow(tag.topic, tag.label, tag.score, list(tag.evidence or []))
            )
    return tags


def stories_for(session: Session, story_ids: Iterable[int]) -> dict[int, StoryRow]:
    """Story labels and representatives by id."""
    stories: dict[int, StoryRow] = {}
    for part in _chunks(story_ids):
        query = select(Story.id, Story.label, Story.representative_id).where(Story.id.in_(part))
        for row in session.execute(query):
            stories[row[0]] = StoryRow(row[0], row[1], row[2])
    return stories


def members_of(
    session: Session, story_ids: Iterable[int], article_ids: Iterable[int]
) -> list[MemberRow]:
    """Every article (any day) in the given stories or marked a near-duplicate of the given
    articles: the digest counts their outlets and near-duplicates."""
    members: dict[int, MemberRow] = {}
    base = select(
        Article.id,
        Article.story_id,
        Article.url,
        Article.origin,
        Source.name,
        Article.duplicate_of,
    ).outerjoin(Source, Source.id == Article.source_id)
    for column, ids in ((Article.story_id, story_ids), (Article.duplicate_of, article_ids)):
        for part in _chunks(ids):
            for row in session.execute(base.where(column.in_(part))):
                members[row[0]] = MemberRow(*row)
    return [members[key] for key in sorted(members)]


def reported_before(
    session: Session, day: date, article_ids: Iterable[int], story_ids: Iterable[int]
) -> tuple[dict[int, ReportedItem], dict[int, date]]:
    """What digests of days before ``day`` reported: the latest report per article, and per
    story the last day it was reported."""
    earlier = select(Digest.id).where(Digest.day < day)
    items: dict[int, ReportedItem] = {}
    for part in _chunks(article_ids):
        query = (
            select(DigestItem.article_id, DigestItem.story_id, DigestItem.text_hash, Digest.day)
            .join(Digest, Digest.id == DigestItem.digest_id)
            .where(DigestItem.article_id.in_(part), DigestItem.digest_id.in_(earlier))
            .order_by(Digest.day, DigestItem.id)
        )
        for row in session.execute(query):
            items[row[0]] = ReportedItem(*row)
    stories: dict[int, date] = {}
    for part in _chunks(story_ids):
        story_query = (
            select(DigestItem.story_id, func.max(Digest.day))
            .join(Digest, Digest.id == DigestItem.digest_id)
            .where(DigestItem.story_id.in_(part), Digest.day < day)
            .group_by(DigestItem.story_id)
        )
        for story_id, last_day in session.execute(story_query):
            if story_id is not None:
                stories[story_id] = last_day
    return items, stories


def previous_digest_day(session: Session, day: date, mode: str) -> date | None:
    """The day of the latest recorded digest of ``mode`` before ``day``."""
    return session.scalar(select(func.max(Digest.day)).where(Digest.day < day, Digest.mode == mode))


def record_digest(
    session: Session,
    day: date,
    mode: str,
    *,
    markdown_path: str,
    html_path: str,
    n_stories: int,
    items: Sequence[tuple[int, int | None, str]],
) -> int:
    """Store (or replace) the digest of ``day``/``mode`` and the articles it reported.

    Two processes may record the same digest at once (a scheduled and a manual run): the one
    that inserts second waits for the first to commit, then replaces its record."""
    digest = existing_or_added(
        session,
        select(Digest).where(Digest.day == day, Digest.mode == mode),
        lambda: Digest(day=day, mode=mode),
    )
    digest.created_at = utcnow()
    digest.markdown_path = markdown_path
    digest.html_path = html_path
    digest.n_stories = n_stories
    digest.n_articles = len(items)
    session.flush()
    session.execute(delete(DigestItem).where(DigestItem.digest_id == digest.id))
    session.add_all(
        DigestItem(digest_id=digest.id, article_id=aid, story_id=sid, text_hash=hsh)
        for aid, sid, hsh in items
    )
    session.flush()
    return digest.id


def digest_modes(session: Session, day: date) -> list[str]:
    """The modes (seen, published) in which a digest of ``day`` was recorded."""
    return list(session.scalars(select(Digest.mode).where(Digest.day == day).order_by(Digest.mode)))
