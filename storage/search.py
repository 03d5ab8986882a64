"""Full-text search: SQLite FTS5 or PostgreSQL ``dutch`` text search, ranked.

The user's query is always a bound parameter. For FTS5 it is additionally turned into a
sequence of quoted terms, so FTS5 operators in the input (``NEAR``, ``*``, quotes, column
filters) are searched for as words instead of being interpreted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

_WORD = re.compile(r"\w+", re.UNICODE)
# The stored generated column of migration 0003, to_tsvector('dutch', title || ' ' || text):
# ranking reads it instead of re-parsing every matching article's text.
PG_TSVECTOR = "a.search_vector"


@dataclass(slots=True)
class SearchHit:
    """One ranked match: higher ``rank`` is better on both backends."""

    article_id: int
    title: str
    rank: float
    snippet: str


def fts5_query(query: str) -> str:
    """Quote each word of ``query`` so FTS5 treats it as a literal term (AND of all)."""
    return " ".join(f'"{word}"' for word in _WORD.findall(query))


def search_articles(session: Session, query: str, limit: int = 20) -> list[SearchHit]:
    """Articles matching every word of ``query``, best first; empty query gives nothing."""
    if not _WORD.search(query):
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        rows = session.execute(
            text(
                "SELECT a.id, a.title, -bm25(articles_fts, 3.0, 1.0) AS rank, "
                "snippet(articles_fts, 1, '[', ']', '…', 12) AS snip "
                "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
                "WHERE articles_fts MATCH :q ORDER BY rank DESC, a.id LIMIT :limit"
            ),
            {"q": fts5_query(query), "limit": limit},
        )
    elif dialect == "postgresql":
        rows = session.execute(
            text(
                f"SELECT a.id, a.title, ts_rank_cd({PG_TSVECTOR}, q) AS rank, "
                "ts_headline('dutch', a.text, q, 'MaxWords=20, MinWords=8, "
                "StartSel=[, StopSel=]') AS snip "
                "FROM articles a, plainto_tsquery('dutch', :q) q "
                f"WHERE {PG_TSVECTOR} @@ q ORDER BY rank DESC, a.id LIMIT :limit"
            ),
            {"q": query, "limit": limit},
        )
    else:  # pragma: no cover - only the two supported backends exist
        raise NotImplementedError(f"full-text search is not supported on {dialect}")
    return [SearchHit(int(r[0]), str(r[1]), float(r[2]), str(r[3] or "")) for r in rows]
