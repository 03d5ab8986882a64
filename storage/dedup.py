"""Queries behind duplicate detection: equal text hashes, stored signatures, group originals."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import PRECISION_MONTH, PRECISION_UNKNOWN, Article, Source

# Unknown dates sort after every known date when choosing an original.
_FAR_FUTURE = datetime.max


def find_same_text(session: Session, text_hash: str, exclude_id: int) -> Article | None:
    """The earliest-stored other article with exactly this normalised-text hash."""
    return session.scalar(
        select(Article)
        .where(Article.text_hash == text_hash, Article.id != exclude_id)
        .order_by(Article.id)
        .limit(1)
    )


def window_signatures(
    session: Session, since: datetime, batch: int = 2000
) -> Iterator[tuple[int, bytes, datetime]]:
    """(id, stored MinHash bytes, first seen) of originals first seen since ``since``.

    Duplicates are left out: matching a new article against its group's original is enough.
    """
    query = (
        select(Article.id, Article.minhash, Article.first_seen_at)
        .where(
            Article.first_seen_at >= since,
            Article.minhash.is_not(None),
            Article.duplicate_of.is_(None),
        )
        .order_by(Article.id)
        .execution_options(yield_per=batch)
    )
    for article_id, minhash, seen in session.execute(query):
        if minhash is not None:
            yield article_id, minhash, seen


def original_of(session: Session, article: Article) -> Article:
    """Follow ``duplicate_of`` to the group's original (cycle-safe)."""
    seen: set[int] = set()
    current = article
    while current.duplicate_of is not None and current.id not in seen:
        seen.add(current.id)
        parent = session.get(Article, current.duplicate_of)
        if parent is None:
            break
        current = parent
    return current


def precedence(session: Session, article: Article) -> tuple[datetime, int, int]:
    """Sort key for "which is the original": earliest published, then source priority, then id.

    A month-precision date counts as the month's last day (we only know it was published by
    then), so a day-precise article of the same month wins; unknown dates come last.
    """
    published = _latest_possible(article)
    priority = 100
    if article.source_id is not None:
        source = session.get(Source, article.source_id)
        if source is not None:
            priority = source.priority
    return published, priority, article.id


def _latest_possible(article: Article) -> datetime:
    if article.published_at is None or article.date_precision == PRECISION_UNKNOWN:
        return _FAR_FUTURE
    published = article.published_at.replace(tzinfo=None)
    if article.date_precision == PRECISION_MONTH:
        last = calendar.monthrange(published.year, published.month)[1]
        return published.replace(day=last, hour=23, minute=59, second=59)
    return published


def make_original(session: Session, new_original: Article, old_original: Article) -> int:
    """Make ``new_original`` the group's original: the old one and its duplicates point to it.

    Returns how many articles were repointed.
    """
    members = list(session.scalars(select(Article).where(Article.duplicate_of == old_original.id)))
    for member in [*members, old_original]:
        member.duplicate_of = new_original.id
    new_original.duplicate_of = None
    session.flush()
    return len(members) + 1
