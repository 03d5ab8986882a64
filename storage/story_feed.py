"""Story reads for the Atom feeds and the alerts: which stories are newest, and their articles.

A story's activity is the first-seen time of its latest relevant member (what a feed reader
calls "updated"). The article rows are the digest's :class:`storage.digests.ArticleRow`, read
with the digest's own query and relevance rule, so a feed and a digest agree on what is in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.digests import ArticleRow, article_query, article_rows, relevant_clause
from storage.models import Article, ArticleTag

_CHUNK = 500


def latest_stories(
    session: Session, topic: str | None = None, limit: int = 100
) -> list[tuple[int, datetime]]:
    """(story id, latest relevant member's first-seen time) of the ``limit`` stories with the
    most recent relevant member; with ``topic``, only stories with a relevant member tagged so."""
    latest = func.max(Article.first_seen_at, type_=Article.first_seen_at.type).label("latest")
    query = select(Article.story_id, latest).where(relevant_clause(), Article.story_id.is_not(None))
    if topic is not None:
        tagged = (
            select(Article.story_id)
            .join(ArticleTag, ArticleTag.article_id == Article.id)
            .where(ArticleTag.topic == topic, relevant_clause(), Article.story_id.is_not(None))
        )
        query = query.where(Article.story_id.in_(tagged))
    query = (
        query.group_by(Article.story_id)
        .order_by(latest.desc(), Article.story_id.desc())
        .limit(limit)
    )
    return [(story_id, seen) for story_id, seen in session.execute(query) if story_id is not None]


def stories_seen_since(session: Session, since: datetime) -> list[int]:
    """Stories with a relevant member first seen at or after ``since`` (what a run touched)."""
    query = (
        select(Article.story_id)
        .where(relevant_clause(), Article.story_id.is_not(None), Article.first_seen_at >= since)
        .distinct()
        .order_by(Article.story_id)
    )
    return [story_id for story_id in session.scalars(query) if story_id is not None]


def relevant_articles_of(session: Session, story_ids: Iterable[int]) -> list[ArticleRow]:
    """Every relevant article of the given stories (any day), oldest id first."""
    values = sorted(set(story_ids))
    rows: list[ArticleRow] = []
    for begin in range(0, len(values), _CHUNK):
        part = values[begin : begin + _CHUNK]
        rows.extend(
            article_rows(
                session, article_query().where(relevant_clause(), Article.story_id.in_(part))
            )
        )
    return sorted(rows, key=lambda row: row.id)
