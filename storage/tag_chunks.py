"""Bulk reads and writes of tags and relevance, for re-tagging stored articles in chunks.

Articles are read in id order after a given id (keyset pages, so a chunk costs the same at
the start and the end of 100,000 articles), with their tag rows in one more query; changed
tags are written per chunk in a few statements instead of one ORM object per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, delete, func, insert, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from storage.models import Article, ArticleTag
from storage.records import TopicMatch
from storage.tags import tag_values

_ARTICLES = cast(Table, Article.__table__)
_ARTICLE_TAGS = cast(Table, ArticleTag.__table__)

# (slug, label, score, evidence) as stored
TagRow = tuple[str, str, float, list[dict[str, Any]]]


@dataclass(slots=True)
class StoredArticle:
    """What re-tagging needs of one stored article."""

    id: int
    title: str
    text: str
    relevant: bool | None
    relevance_score: float | None
    tags: list[TagRow] = field(default_factory=list)


@dataclass(slots=True, frozen=True)
class TagWrite:
    """New relevance, relevance score and topic rows of one article."""

    article_id: int
    relevant: bool
    relevance_score: float
    topics: Sequence[TopicMatch]


def since_clause(since: datetime | None) -> ColumnElement[bool]:
    """Articles published on or after ``since`` (undated ones: first seen since then)."""
    if since is None:
        return _ARTICLES.c.id.is_not(None)
    return or_(
        _ARTICLES.c.published_at >= since,
        and_(_ARTICLES.c.published_at.is_(None), _ARTICLES.c.first_seen_at >= since),
    )


def count_articles_since(session: Session, since: datetime | None) -> int:
    """How many articles a re-tag of ``since`` reads."""
    query = select(func.count()).select_from(_ARTICLES).where(since_clause(since))
    return int(session.scalar(query) or 0)


def articles_after(
    session: Session, after_id: int, limit: int, since: datetime | None
) -> list[StoredArticle]:
    """The next ``limit`` articles with id > ``after_id`` (id order), with their tag rows."""
    a = _ARTICLES.c
    rows = session.execute(
        select(a.id, a.title, a.text, a.relevant, a.relevance_score)
        .where(a.id > after_id, since_clause(since))
        .order_by(a.id)
        .limit(limit)
    ).all()
    found = [StoredArticle(r[0], r[1], r[2], r[3], r[4]) for r in rows]
    if not found:
        return found
    by_id = {article.id: article for article in found}
    t = _ARTICLE_TAGS.c
    tags = session.execute(
        select(t.article_id, t.topic, t.label, t.score, t.evidence).where(
            t.article_id >= found[0].id, t.article_id <= found[-1].id
        )
    )
    for article_id, topic, label, score, evidence in tags:
        article = by_id.get(article_id)
        if article is not None:
            article.tags.append((topic, label, score, list(evidence or [])))
    return found


def write_tags(session: Session, writes: Sequence[TagWrite]) -> None:
    """Replace the relevance and tag rows of several articles (one chunk) at once."""
    if not writes:
        return
    ids = [w.article_id for w in writes]
    session.execute(delete(_ARTICLE_TAGS).where(_ARTICLE_TAGS.c.article_id.in_(ids)))
    rows = [{"article_id": w.article_id} | tag_values(t) for w in writes for t in w.topics]
    if rows:
        session.execute(insert(_ARTICLE_TAGS), rows)
    session.execute(
        sql_update(_ARTICLES)
        .where(_ARTICLES.c.id == bindparam("b_id"))
        .values(relevant=bindparam("b_relevant"), relevance_score=bindparam("b_score")),
        [
            {"b_id": w.article_id, "b_relevant": w.relevant, "b_score": round(w.relevance_score, 4)}
            for w in writes
        ],
    )
    session.expire_all()  # ORM objects loaded earlier must read the new values


def duplicates_of(session: Session, original_id: int) -> list[Article]:
    """The articles stored as duplicates of ``original_id`` (they share its story)."""
    return list(
        session.scalars(
            select(Article).where(Article.duplicate_of == original_id).order_by(Article.id)
        )
    )


def tag_snapshot(session: Session) -> dict[int, tuple[bool | None, float | None, list[TagRow]]]:
    """Every article's relevance, score and sorted tag rows (for checks and benchmarks)."""
    tags: dict[int, list[TagRow]] = defaultdict(list)
    t = _ARTICLE_TAGS.c
    for article_id, topic, label, score, evidence in session.execute(
        select(t.article_id, t.topic, t.label, t.score, t.evidence)
    ):
        tags[article_id].append((topic, label, score, list(evidence or [])))
    a = _ARTICLES.c
    return {
        article_id: (relevant, score, sorted(tags.get(article_id, [])))
        for article_id, relevant, score in session.execute(
            select(a.id, a.relevant, a.relevance_score)
        )
    }
