"""Article tags: one row per matched topic with its score and evidence spans."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import Article, ArticleTag
from storage.records import TopicMatch


def tag_values(topic: TopicMatch) -> dict[str, Any]:
    """The columns of a topic's tag row (all but its article id)."""
    return {
        "topic": topic.slug,
        "label": topic.label,
        "score": round(topic.score, 4),
        "evidence": list(topic.evidence),
    }


def replace_tags(
    session: Session,
    article: Article,
    topics: Sequence[TopicMatch],
    relevant: bool,
    relevance_score: float,
    flush: bool = True,
) -> None:
    """Store the article's relevance and replace its tags (re-tagging after a text change).

    An article not yet flushed (no id) has no tags to delete: its tags are attached to it
    and written by the caller's flush together with the article (``flush=False``).
    """
    if article.id is None:
        for topic in topics:
            session.add(ArticleTag(article=article, **tag_values(topic)))
    else:
        session.execute(delete(ArticleTag).where(ArticleTag.article_id == article.id))
        session.expire(article, ["tags"])
        for topic in topics:
            session.add(ArticleTag(article_id=article.id, **tag_values(topic)))
    article.relevant = relevant
    article.relevance_score = round(relevance_score, 4)
    if flush:
        session.flush()


def tags_by_article(session: Session, article_ids: Sequence[int]) -> dict[int, list[ArticleTag]]:
    """Tags of several articles at once, best score first."""
    found: dict[int, list[ArticleTag]] = defaultdict(list)
    for start in range(0, len(article_ids), 500):
        part = list(article_ids[start : start + 500])
        rows = session.scalars(
            select(ArticleTag)
            .where(ArticleTag.article_id.in_(part))
            .order_by(ArticleTag.article_id, ArticleTag.score.desc())
        )
        for tag in rows:
            found[tag.article_id].append(tag)
    return dict(found)
