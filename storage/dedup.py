"""Queries behind duplicate detection: equal text hashes, stored signatures, group originals."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from storage.models import PRECISION_MONTH, PRECISION_UNKNOWN, Article, Source

# Unknown dates sort after every known date when choosing an original.
_FAR_FUTURE = datetime.max
TEXT_LOCK_CLASS = 25  # the first key of the advisory locks on text hashes (the number)


def lock_texts(session: Session, hashes: Iterable[str]) -> None:
    """Hold, until the transaction ends, a lock on each text hash about to be stored.

    "Is this text stored?" and the insert are two statements: two processes storing one text
    at once would both find nothing and both store an original. On PostgreSQL a transaction
    advisory lock per hash (taken in sorted order, so two batches never wait on each other in a
    circle) makes the second wait until the first committed, then see its row. SQLite allows one
    writer at a time, so the store's transaction is already the lock there.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    # 32 bits of each SHA-256 as a signed int4; one statement for the batch, in key order.
    keys = sorted({int(digest[:8], 16) - 2**31 for digest in hashes})
    if keys:
        session.execute(_LOCK_TEXTS, {"lock_class": TEXT_LOCK_CLASS, "keys": keys})


_LOCK_TEXTS = text(
    "SELECT pg_advisory_xact_lock(:lock_class, k)"
    " FROM (SELECT unnest(CAST(:keys AS integer[])) AS k ORDER BY 1) AS ordered"
)


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
    return precedence_of(
        session, article.published_at, article.date_precision, article.source_id, article.id
    )


def precedence_of(
    session: Session,
    published_at: datetime | None,
    date_precision: str | None,
    source_id: int | None,
    article_id: int,
) -> tuple[datetime, int, int]:
    """:func:`precedence` from an article's columns (for rows read without the ORM)."""
    published = _latest_possible(published_at, date_precision)
    priority = 100
    if source_id is not None:
        source = source_row(session, source_id)
        if source is not None:
            priority = source.priority
    return published, priority, article_id


def source_row(session: Session, source_id: int) -> Source | None:
    """``session.get(Source, id)`` that keeps the row referenced for the session's lifetime.

    The identity map holds objects weakly, so a plain ``get`` on a source nobody references
    re-selects it on every call (once per story member when ranking them). The cached object
    is the session's own, so priority edits in the session are seen; after a commit it is
    refreshed on first access like any other.
    """
    cache: dict[int, Source] = session.info.setdefault("newsmon_sources", {})
    source = cache.get(source_id)
    if source is None or source not in session:
        source = session.get(Source, source_id)
        if source is None:
            cache.pop(source_id, None)
            return None
        cache[source_id] = source
    return source


def _latest_possible(published_at: datetime | None, date_precision: str | None) -> datetime:
    if published_at is None or date_precision == PRECISION_UNKNOWN:
        return _FAR_FUTURE
    published = published_at.replace(tzinfo=None)
    if date_precision == PRECISION_MONTH:
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
