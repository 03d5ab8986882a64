"""Article aliases: every URL an article was listed or reached under, and its outlet's id.

The ingest asks which listed URLs (and article ids) are aliases of stored articles before it
fetches anything, and records the URLs of each stored page afterwards. URLs come in canonical
form (``processing.urls.canonicalize_url``); the key is a SHA-256 of the URL, so a URL of any
length is unique on both backends. Recording is idempotent: an alias already stored (perhaps
by another process meanwhile) is left as it is, pointing at the article that claimed it first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import ArticleAlias
from storage.types import utcnow

CHUNK = 500


@dataclass(slots=True, frozen=True)
class Alias:
    """One URL of an article (canonical form) and the outlet's id of it, if known."""

    url: str
    article_id: int
    article_key: str | None = None


def url_key(url: str) -> str:
    """The fixed-width unique key of a URL."""
    return hashlib.sha256(url.encode("utf-8", errors="surrogatepass")).hexdigest()


def _chunks(items: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield list(items[start : start + CHUNK])


def articles_by_alias(session: Session, urls: Iterable[str]) -> dict[str, int]:
    """The article id of each of ``urls`` that is an alias (URLs in canonical form)."""
    by_key = {url_key(url): url for url in dict.fromkeys(urls)}
    found: dict[str, int] = {}
    for part in _chunks(list(by_key)):
        query = select(ArticleAlias.url_key, ArticleAlias.article_id).where(
            ArticleAlias.url_key.in_(part)
        )
        for key, article_id in session.execute(query):
            found[by_key[key]] = article_id
    return found


def articles_by_key(session: Session, article_keys: Iterable[str]) -> dict[str, int]:
    """The article id stored for each of ``article_keys`` (outlet ids such as ``nos.nl:123``)."""
    keys = list(dict.fromkeys(article_keys))
    found: dict[str, int] = {}
    for part in _chunks(keys):
        query = select(ArticleAlias.article_key, ArticleAlias.article_id).where(
            ArticleAlias.article_key.in_(part)
        )
        for key, article_id in session.execute(query):
            if key is not None:
                found.setdefault(key, article_id)
    return found


def record_aliases(session: Session, aliases: Iterable[Alias]) -> None:
    """Store ``aliases`` that are not stored yet (one statement; repeats are harmless)."""
    now = utcnow()
    rows: dict[str, dict[str, Any]] = {}
    for alias in aliases:
        key = url_key(alias.url)
        rows.setdefault(
            key,
            {
                "url_key": key,
                "url": alias.url,
                "article_id": alias.article_id,
                "article_key": alias.article_key,
                "created_at": now,
            },
        )
    if not rows:
        return
    table = ArticleAlias.__table__
    assert isinstance(table, Table)
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).on_conflict_do_nothing(index_elements=["url_key"])
    session.execute(statement, list(rows.values()))


def aliases_of(session: Session, article_id: int) -> list[str]:
    """Every alias URL of one article, in the order they were recorded."""
    query = select(ArticleAlias.url).where(ArticleAlias.article_id == article_id)
    return list(session.scalars(query.order_by(ArticleAlias.id)))
