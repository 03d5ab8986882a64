"""Stories: create, extend, load the recent ones, and keep representative and label current."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage.dedup import precedence_of
from storage.models import Article, Story
from storage.types import utcnow


def create_story(session: Session, article: Article) -> Story:
    """A new story with ``article`` as its only member, representative and label."""
    story = Story(
        label=article.title,
        representative_id=article.id,
        first_published_at=article.published_at,
        last_published_at=article.published_at,
    )
    session.add(story)
    session.flush()
    article.story_id = story.id
    return story


def join_story(session: Session, story: Story, article: Article, centroid: dict[str, Any]) -> None:
    """Add ``article`` to ``story``, store the new centroid and refresh representative/label."""
    article.story_id = story.id
    story.centroid = centroid
    refresh_story(session, story)


def refresh_story(session: Session, story: Story) -> None:
    """Representative = earliest-published member (ties: source priority, then id); its title
    labels the story; first/last published span the members' known dates."""
    # Only the columns the rule needs, not whole articles: a story can have many members.
    members = session.execute(
        select(
            Article.id,
            Article.title,
            Article.published_at,
            Article.date_precision,
            Article.source_id,
        )
        .where(Article.story_id == story.id)
        .order_by(Article.id)
    ).all()
    if not members:
        return
    representative = min(members, key=lambda m: precedence_of(session, m[2], m[3], m[4], m[0]))
    story.representative_id = representative[0]
    story.label = representative[1]
    dates = [m[2] for m in members if m[2] is not None]
    story.first_published_at = min(dates) if dates else None
    story.last_published_at = max(dates) if dates else None
    story.updated_at = utcnow()
    session.flush()


def story_members(session: Session, story_id: int) -> list[Article]:
    """Articles of a story (duplicates included), oldest id first."""
    return list(
        session.scalars(select(Article).where(Article.story_id == story_id).order_by(Article.id))
    )


def recent_stories(session: Session, since: datetime) -> list[Story]:
    """Stories updated since ``since`` or with a member published since then."""
    return list(
        session.scalars(
            select(Story)
            .where(
                Story.centroid.is_not(None),
                or_(Story.updated_at >= since, Story.last_published_at >= since),
            )
            .order_by(Story.id)
        )
    )


def list_stories(session: Session, limit: int | None = None) -> list[Story]:
    """Stories, newest activity first."""
    query = select(Story).order_by(Story.updated_at.desc(), Story.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def member_ids(session: Session, story_ids: Sequence[int]) -> dict[int, list[int]]:
    """Member article ids per story."""
    found: dict[int, list[int]] = {sid: [] for sid in story_ids}
    if not story_ids:
        return found
    rows = session.execute(
        select(Article.story_id, Article.id)
        .where(Article.story_id.in_(list(story_ids)))
        .order_by(Article.id)
    )
    for story_id, article_id in rows:
        if story_id is not None:
            found[story_id].append(article_id)
    return found
