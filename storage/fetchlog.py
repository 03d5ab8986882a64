"""The fetch log (one row per request or refusal) and the stored HTTP validators.

Plain values only: storage knows nothing of HTTP clients. The ingest job passes what its client
reported; the validators (ETag / Last-Modified) make the next poll a conditional GET.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.articles import known_canonical_urls
from storage.models import Article, FetchLog, HttpValidator
from storage.types import utcnow

OUTCOME_NO_ARTICLE = "no_article"
OUTCOME_OK = "ok"
MAX_URL_CHARS = 2000  # the validators table keys on a 2000-character URL

_FETCH_LOG = cast(Table, FetchLog.__table__)
_VALIDATORS = cast(Table, HttpValidator.__table__)


@dataclass(slots=True, frozen=True)
class Validators:
    """The ETag / Last-Modified last seen for a URL."""

    etag: str | None
    last_modified: str | None


def record_fetch(
    session: Session,
    *,
    url: str,
    outcome: str,
    source_id: int | None = None,
    run_id: int | None = None,
    final_url: str | None = None,
    status_code: int | None = None,
    error: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    n_bytes: int | None = None,
    elapsed_ms: float | None = None,
) -> FetchLog:
    """Append one fetch-log row (``outcome`` as listed on :class:`FetchLog`)."""
    row = FetchLog(
        source_id=source_id,
        run_id=run_id,
        url=url,
        final_url=final_url,
        requested_at=utcnow(),
        status_code=status_code,
        outcome=outcome,
        error=error,
        etag=etag,
        last_modified=last_modified,
        n_bytes=n_bytes,
        elapsed_ms=elapsed_ms,
    )
    session.add(row)
    return row


@dataclass(slots=True, frozen=True)
class FetchEntry:
    """One fetch-log row as plain values (``outcome`` as listed on :class:`FetchLog`)."""

    url: str
    outcome: str
    source_id: int | None = None
    run_id: int | None = None
    final_url: str | None = None
    status_code: int | None = None
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    n_bytes: int | None = None
    elapsed_ms: float | None = None


def record_fetches(session: Session, entries: Iterable[FetchEntry]) -> None:
    """Append the fetch-log rows of a batch in one executemany insert.

    The ingest's hot path: one Core statement for the lot instead of an ORM object per row,
    each tracked by the session until the flush.
    """
    now = utcnow()
    rows = [
        {
            "url": e.url,
            "outcome": e.outcome,
            "source_id": e.source_id,
            "run_id": e.run_id,
            "final_url": e.final_url,
            "status_code": e.status_code,
            "error": e.error,
            "etag": e.etag,
            "last_modified": e.last_modified,
            "n_bytes": e.n_bytes,
            "elapsed_ms": e.elapsed_ms,
            "requested_at": now,
        }
        for e in entries
    ]
    if rows:
        session.execute(insert(_FETCH_LOG), rows)


def get_validators(session: Session, url: str) -> Validators | None:
    """The stored validators for ``url``, or None when there are none."""
    if len(url) > MAX_URL_CHARS:
        return None
    row = session.get(HttpValidator, url)
    if row is None or (row.etag is None and row.last_modified is None):
        return None
    return Validators(row.etag, row.last_modified)


def set_validators(session: Session, url: str, etag: str | None, last_modified: str | None) -> None:
    """Remember (or forget, when both are None) the validators of ``url``."""
    if len(url) > MAX_URL_CHARS:
        return
    row = session.get(HttpValidator, url)
    if row is None:
        if etag is None and last_modified is None:
            return
        session.add(HttpValidator(url=url, etag=etag, last_modified=last_modified))
        return
    row.etag = etag
    row.last_modified = last_modified
    row.updated_at = utcnow()


def fetched_page_urls(session: Session, urls: Sequence[str]) -> set[str]:
    """Which of ``urls`` were fetched and read (as requested or as reached after redirects):
    a page's canonical naming any other URL is a claim nobody has checked."""
    fetched: set[str] = set()
    chunk = 500
    for start in range(0, len(urls), chunk):
        part = list(urls[start : start + chunk])
        for column in (FetchLog.url, FetchLog.final_url):
            query = select(column).where(column.in_(part), FetchLog.outcome == OUTCOME_OK)
            fetched.update(url for url in session.scalars(query.distinct()) if url)
    return fetched


def store_validators(
    session: Session, validators: Mapping[str, tuple[str | None, str | None]]
) -> None:
    """Remember the ETag / Last-Modified of each URL in ``validators`` in one upsert.

    What :func:`set_validators` does URL by URL for pages that sent validators, without a
    look-up per URL. URLs past :data:`MAX_URL_CHARS` are skipped, as there.
    """
    now = utcnow()
    rows = [
        {"url": url, "etag": etag, "last_modified": last_modified, "updated_at": now}
        for url, (etag, last_modified) in validators.items()
        if len(url) <= MAX_URL_CHARS
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    upsert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = upsert(_VALIDATORS)
    statement = statement.on_conflict_do_update(
        index_elements=[_VALIDATORS.c.url],
        set_={
            "etag": statement.excluded.etag,
            "last_modified": statement.excluded.last_modified,
            "updated_at": statement.excluded.updated_at,
        },
    )
    session.execute(statement, rows)


def known_urls(session: Session, canonical_urls: list[str], urls: list[str]) -> set[str]:
    """Which URLs need no fetch: stored articles (by canonical or as-listed URL) and pages
    already found to hold no article.

    A feed that links short URLs (``/l/123`` redirecting to ``/artikel/123-…``) would otherwise
    be fetched again on every run, because only the final URL is the article's identity.
    """
    known = set(known_canonical_urls(session, canonical_urls))
    chunk = 500
    for start in range(0, len(urls), chunk):
        part = urls[start : start + chunk]
        known.update(
            url for url in session.scalars(select(Article.url).where(Article.url.in_(part))) if url
        )
        known.update(
            session.scalars(
                select(FetchLog.url)
                .where(FetchLog.url.in_(part), FetchLog.outcome == OUTCOME_NO_ARTICLE)
                .distinct()
            )
        )
    return known
