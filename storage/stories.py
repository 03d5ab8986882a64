"""Stories: create, extend, load the recent ones, and keep representative and label current."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from storage.dedup import precedence, precedence_of
from storage.models import PRECISION_MONTH, PRECISION_UNKNOWN, Article, Story
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
    """Add ``article`` to ``story``, store the new centroid and refresh representative/label.

    The story's representative and span already describe its other members (every change of
    membership keeps them current), so the newcomer only has to be compared with them: one row
    look-up instead of :func:`refresh_story`'s queries over all members. Without a usable
    representative, a full refresh.
    """
    article.story_id = story.id
    story.centroid = centroid
    current = _representative(session, story)
    if current is None or current.story_id != story.id or current.id == article.id:
        refresh_story(session, story)
        return
    if precedence(session, article) < precedence(session, current):
        current = article
    story.representative_id = current.id
    story.label = current.title
    widen_span(story, article.published_at)
    story.updated_at = utcnow()


def _representative(session: Session, story: Story) -> Article | None:
    """The story's representative, kept referenced for the session's lifetime: the identity
    map holds rows weakly, so a batch of articles joining one story would otherwise re-select
    the same representative once per newcomer."""
    if not story.representative_id:
        return None
    held: dict[int, Article] = session.info.setdefault("newsmon_representatives", {})
    current = held.get(story.representative_id) or session.get(Article, story.representative_id)
    if current is not None:
        held[current.id] = current
    return current


def widen_span(story: Story, published_at: datetime | None) -> None:
    """Stretch the story's first/last published dates over a member that joins it."""
    if published_at is None:
        return
    first, last = story.first_published_at, story.last_published_at
    story.first_published_at = published_at if first is None else min(first, published_at)
    story.last_published_at = published_at if last is None else max(last, published_at)


def refresh_story(session: Session, story: Story) -> None:
    """Representative = earliest-published member (ties: source priority, then id); its title
    labels the story; first/last published span the members' known dates."""
    session.flush()  # the queries below must see every member, also under ``no_autoflush``
    in_story = Article.story_id == story.id
    dated = Article.published_at.is_not(None) & (Article.date_precision != PRECISION_UNKNOWN)
    day_precise = dated & (Article.date_precision != PRECISION_MONTH)
    # Dates by aggregate, and the representative ranked among the few members that can win,
    # so a join costs the same however many members the story has.
    stamp = Article.published_at.type
    count, first, last, best_day = session.execute(
        select(
            func.count(),
            func.min(Article.published_at, type_=stamp),
            func.max(Article.published_at, type_=stamp),
            func.min(case((day_precise, Article.published_at)), type_=stamp),
        ).where(in_story)
    ).one()
    if not count:
        return
    # A member's rank date is at or after its stored date (a month counts as its last day),
    # and the earliest day-precise member ranks on its stored date: only members stored on or
    # before it can rank first. Without dated members, all rank equal on the date.
    if best_day is not None:
        contenders = in_story & dated & (Article.published_at <= best_day)
    elif session.scalar(select(func.count()).where(in_story & dated)):
        contenders = in_story & dated
    else:
        contenders = in_story
    candidates = session.execute(
        select(
            Article.id,
            Article.title,
            Article.published_at,
            Article.date_precision,
            Article.source_id,
        ).where(contenders)
    ).all()
    representative = min(candidates, key=lambda m: precedence_of(session, m[2], m[3], m[4], m[0]))
    story.representative_id = representative[0]
    story.label = representative[1]
    story.first_published_at = first
    story.last_published_at = last
    story.updated_at = utcnow()
    session.flush()


def leave_story(session: Session, story: Story, articles: Sequence[Article]) -> bool:
    """Take ``articles`` out of ``story`` (an article no longer on the beat, with its duplicates).

    A story left without members is deleted (digests keep their items: their story link
    becomes NULL) and True is returned; otherwise representative, label and span are refreshed
    over the remaining members. The caller stores the centroid of what remains.
    """
    for article in articles:
        if article.story_id == story.id:
            article.story_id = None
    session.flush()
    remaining = session.scalar(select(func.count()).where(Article.story_id == story.id))
    if not remaining:
        session.delete(story)
        session.flush()
        return True
    refresh_story(session, story)
    return False


def stories_with_centroid(session: Session) -> list[Story]:
    """Every story a new member could join (the ones with a stored centroid), oldest first."""
    return list(
        session.scalars(select(Story).where(Story.centroid.is_not(None)).order_by(Story.id))
    )


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
    """Stories, latest activity first: the newest article's publication, then the latest change."""
    query = select(Story).order_by(
        Story.last_published_at.desc().nulls_last(), Story.updated_at.desc(), Story.id.desc()
    )
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
