"""Full-text search: SQLite FTS5 or PostgreSQL ``dutch`` text search, ranked.

The user's query is always a bound parameter. For FTS5 it is additionally turned into a
sequence of quoted terms, so FTS5 operators in the input (``NEAR``, ``*``, quotes, column
filters) are searched for as words instead of being interpreted. Hostile input is bounded:
repeated words count once (both engines' cost grows with the square of the terms), at most
``MAX_TERMS`` distinct words and ``MAX_QUERY_CHARS`` characters, and on PostgreSQL the query
runs under a statement timeout, so a killed CLI leaves no query running on the server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_CHARS = 50_000
MAX_TERMS = 32
STATEMENT_TIMEOUT_MS = 10_000


class SearchQueryError(ValueError):
    """A search the engine will not run (too long, too many distinct words)."""


def search_terms(query: str) -> list[str]:
    """The distinct words of ``query`` in order (case-insensitive), within the bounds."""
    if len(query) > MAX_QUERY_CHARS:
        raise SearchQueryError(
            f"the search is {len(query)} characters long; at most {MAX_QUERY_CHARS} are allowed"
        )
    seen: dict[str, str] = {}
    for word in _WORD.findall(query):
        seen.setdefault(word.casefold(), word)
    if len(seen) > MAX_TERMS:
        raise SearchQueryError(
            f"the search has {len(seen)} different words; at most {MAX_TERMS} are allowed"
        )
    return list(seen.values())


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
    """Quote each distinct word of ``query`` so FTS5 treats it as a literal term (AND of all)."""
    return " ".join(f'"{word}"' for word in search_terms(query))


def search_articles(session: Session, query: str, limit: int = 20) -> list[SearchHit]:
    """Articles matching every word of ``query``, best first; empty query gives nothing.

    Raises :class:`SearchQueryError` for a query beyond the bounds.
    """
    terms = search_terms(query)
    if not terms:
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
        session.execute(text(f"SET LOCAL statement_timeout = {int(STATEMENT_TIMEOUT_MS)}"))
        rows = session.execute(
            text(
                f"SELECT a.id, a.title, ts_rank_cd({PG_TSVECTOR}, q) AS rank, "
                "ts_headline('dutch', a.text, q, 'MaxWords=20, MinWords=8, "
                "StartSel=[, StopSel=]') AS snip "
                "FROM articles a, plainto_tsquery('dutch', :q) q "
                f"WHERE {PG_TSVECTOR} @@ q ORDER BY rank DESC, a.id LIMIT :limit"
            ),
            {"q": " ".join(terms), "limit": limit},
        )
    else:  # pragma: no cover - only the two supported backends exist
        raise NotImplementedError(f"full-text search is not supported on {dialect}")
    return [SearchHit(int(r[0]), str(r[1]), float(r[2]), str(r[3] or "")) for r in rows]
