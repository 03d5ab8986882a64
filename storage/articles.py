"""Article writes (idempotent upserts with versions) and reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from storage.models import (
    TEASER_TEXT_SOURCES,
    TEXT_FROM_PAGE,
    TEXT_FROM_SEED,
    Article,
    ArticleTag,
    ArticleVersion,
    Source,
)
from storage.records import ArticleRecord, TopicMatch
from storage.sources import ensure_source
from storage.tags import tag_values
from storage.types import utcnow

# What an upsert did with a record.
INSERTED = "new"
UNCHANGED = "known"
NEW_VERSION = "updated"

# The tables behind the models, for Core inserts of new articles (see insert_new_articles).
_ARTICLES = cast(Table, Article.__table__)
_ARTICLE_VERSIONS = cast(Table, ArticleVersion.__table__)
_ARTICLE_TAGS = cast(Table, ArticleTag.__table__)


@dataclass(slots=True)
class UpsertResult:
    """The outcome of :func:`upsert_article`: the row and what happened to it."""

    article: Article
    action: str  # new | known | updated


def upsert_article(
    session: Session, record: ArticleRecord, text_hash: str, flush: bool = True
) -> UpsertResult:
    """Insert an article, or record a new version when the text at its URL changed.

    The canonical URL is the identity: storing the same record twice changes nothing but the
    last-checked time, so every ingest can be re-run safely. ``flush=False`` leaves the writes
    pending (a new article has no id yet) so the caller can add its tags and flush once.
    A teaser (text from the feed) never replaces a text read from the page; the page's text
    replaces a teaser as a new version, even when the feed carried the same text.
    """
    now = utcnow()
    existing = session.scalar(select(Article).where(Article.canonical_url == record.canonical_url))
    if existing is not None:
        existing.last_checked_at = now
        source = text_source_of(record)
        upgrade = existing.text_source in TEASER_TEXT_SOURCES and source == TEXT_FROM_PAGE
        if source in TEASER_TEXT_SOURCES and existing.text_source not in TEASER_TEXT_SOURCES:
            return UpsertResult(existing, UNCHANGED)
        if existing.text_hash == text_hash and not upgrade:
            return UpsertResult(existing, UNCHANGED)
        existing.text_source = source
        existing.version += 1
        existing.title = record.title or existing.title
        existing.text = record.text
        existing.n_chars = len(record.text)
        existing.text_hash = text_hash
        existing.updated_at = now
        session.add(
            ArticleVersion(
                article_id=existing.id,
                version=existing.version,
                title=existing.title,
                text=record.text,
                text_hash=text_hash,
                fetched_at=now,
            )
        )
        if flush:
            session.flush()
        return UpsertResult(existing, NEW_VERSION)

    article = Article(**_new_article_values(session, record, text_hash, now))
    article.versions.append(ArticleVersion(**_first_version_values(record, text_hash, now)))
    session.add(article)
    if flush:
        session.flush()
    return UpsertResult(article, INSERTED)


def text_source_of(record: ArticleRecord) -> str:
    """Where the record's text came from (a seed's, unless said otherwise, from its file)."""
    if record.text_source is not None:
        return record.text_source
    return TEXT_FROM_SEED if record.origin == "seed" else TEXT_FROM_PAGE


@dataclass(slots=True, frozen=True)
class NewArticle:
    """A record with no stored row at its canonical URL, and what processing made of it."""

    record: ArticleRecord
    text_hash: str
    minhash: bytes | None
    topics: Sequence[TopicMatch]
    relevant: bool
    relevance_score: float


def insert_new_articles(session: Session, items: Sequence[NewArticle]) -> list[int]:
    """Insert new articles with their first version and tags: four statements for the lot.

    The ingest's hot path: what :func:`upsert_article` plus ``replace_tags`` write for a new
    record, without the ORM's per-object bookkeeping. Returns the ids in ``items`` order. The
    caller has checked the URLs are new; a row stored meanwhile by another process makes the
    insert fail on the unique canonical URL, and the caller then stores the items one by one.
    """
    if not items:
        return []
    now = utcnow()
    rows = [
        _new_article_values(session, item.record, item.text_hash, now)
        | {
            "minhash": item.minhash,
            "relevant": item.relevant,
            "relevance_score": round(item.relevance_score, 4),
        }
        for item in items
    ]
    # Core inserts on the tables (the rows are plain column dicts): the ORM's bulk insert
    # would map every dict through the mapper first, a third of the store's CPU per page.
    ids = _insert_returning_ids(session, rows)
    versions = [
        {"article_id": article_id} | _first_version_values(item.record, item.text_hash, now)
        for article_id, item in zip(ids, items, strict=True)
    ]
    session.execute(insert(_ARTICLE_VERSIONS), versions)
    tags = [
        {"article_id": article_id} | tag_values(topic)
        for article_id, item in zip(ids, items, strict=True)
        for topic in item.topics
    ]
    if tags:
        session.execute(insert(_ARTICLE_TAGS), tags)
    return ids


def _insert_returning_ids(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert article rows in one executemany; their ids in ``rows`` order.

    PostgreSQL returns the ids in parameter order from batched multi-row inserts
    (``RETURNING`` sorted by parameter order). SQLite cannot: SQLAlchemy would send the rows
    one statement each, so there the unique URLs give the ids back in one select.
    """
    if session.get_bind().dialect.name == "postgresql":
        returning = insert(_ARTICLES).returning(_ARTICLES.c.id, sort_by_parameter_order=True)
        return list(session.scalars(returning, rows))
    session.execute(insert(_ARTICLES), rows)
    urls = [row["canonical_url"] for row in rows]
    stored = select(_ARTICLES.c.canonical_url, _ARTICLES.c.id).where(
        _ARTICLES.c.canonical_url.in_(urls)
    )
    by_url: dict[str, int] = {url: article_id for url, article_id in session.execute(stored)}
    return [by_url[url] for url in urls]


def _new_article_values(
    session: Session, record: ArticleRecord, text_hash: str, now: datetime
) -> dict[str, Any]:
    """The columns of a new article's row, from its record (version 1, first seen ``now``)."""
    return {
        "canonical_url": record.canonical_url,
        "url": record.url,
        "source_id": _source_id(session, record.source_name, record.origin),
        "origin": record.origin,
        "seed_file": record.seed_file,
        "title": record.title,
        "author": record.author,
        "language": record.language,
        "published_at": record.published_at,
        "date_precision": record.date_precision,
        "date_source": record.date_source,
        "date_conflict": record.date_conflict,
        "text": record.text,
        "text_source": text_source_of(record),
        "n_chars": len(record.text),
        "text_hash": text_hash,
        "version": 1,
        "first_seen_at": now,
        "last_checked_at": now,
        "updated_at": now,
    }


def _first_version_values(record: ArticleRecord, text_hash: str, now: datetime) -> dict[str, Any]:
    """The columns of a new article's version 1 (all but its article id)."""
    return {
        "version": 1,
        "title": record.title,
        "text": record.text,
        "text_hash": text_hash,
        "fetched_at": now,
    }


def _source_id(session: Session, name: str | None, kind: str) -> int | None:
    """The id of source ``name`` (created on first use), looked up once per session.

    The row object is kept, not just its id, so a source whose creation was rolled back (it
    left the session) is looked up again instead of leaving a dangling id.
    """
    if not name:
        return None
    cache: dict[str, Source] = session.info.setdefault("newsmon_sources_by_name", {})
    source = cache.get(name)
    if source is None or source not in session:
        source = ensure_source(session, name, kind=kind)
        cache[name] = source
    return source.id


def known_canonical_urls(session: Session, urls: Sequence[str]) -> set[str]:
    """Which of ``urls`` are stored already (so discovery can skip fetching them)."""
    known: set[str] = set()
    chunk = 500
    for start in range(0, len(urls), chunk):
        part = list(urls[start : start + chunk])
        known.update(
            session.scalars(select(Article.canonical_url).where(Article.canonical_url.in_(part)))
        )
    return known


def stored_texts(session: Session, urls: Sequence[str]) -> dict[str, tuple[str, bytes | None]]:
    """Text hash and MinHash bytes of the articles stored at ``urls`` (canonical URLs)."""
    found: dict[str, tuple[str, bytes | None]] = {}
    chunk = 500
    for start in range(0, len(urls), chunk):
        part = list(urls[start : start + chunk])
        query = select(Article.canonical_url, Article.text_hash, Article.minhash).where(
            Article.canonical_url.in_(part)
        )
        for url, digest, minhash in session.execute(query):
            found[url] = (digest, minhash)
    return found


def known_text_hashes(session: Session, hashes: Sequence[str]) -> set[str]:
    """Which of the text ``hashes`` some stored article has (an exact duplicate's mark)."""
    known: set[str] = set()
    chunk = 500
    for start in range(0, len(hashes), chunk):
        part = list(hashes[start : start + chunk])
        known.update(session.scalars(select(Article.text_hash).where(Article.text_hash.in_(part))))
    return known


def articles_by_id(session: Session, ids: Sequence[int]) -> dict[int, Article]:
    """The articles of ``ids``, loaded in one query."""
    return {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(ids)))}


def get_article(session: Session, article_id: int) -> Article | None:
    """One article by id."""
    return session.get(Article, article_id)


def list_articles(
    session: Session, limit: int | None = None, newest_first: bool = False
) -> list[Article]:
    """Articles, oldest first by id; ``newest_first``: latest published first (undated ones
    last), then latest first seen."""
    query = select(Article).order_by(Article.id)
    if newest_first:
        query = select(Article).order_by(
            Article.published_at.desc().nulls_last(),
            Article.first_seen_at.desc(),
            Article.id.desc(),
        )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def count_articles(session: Session) -> int:
    """How many articles are stored."""
    return session.scalar(select(func.count()).select_from(Article)) or 0
