"""The fetch log (one row per request or refusal) and the stored HTTP validators.

Plain values only: storage knows nothing of HTTP clients. The ingest job passes what its client
reported; the validators (ETag / Last-Modified) make the next poll a conditional GET.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from storage.articles import known_canonical_urls
from storage.models import Article, FetchLog, HttpValidator
from storage.types import utcnow

OUTCOME_NO_ARTICLE = "no_article"
OUTCOME_OK = "ok"
MAX_URL_CHARS = 2000  # the validators table keys on a 2000-character URL

_FETCH_LOG = cast(Table, FetchLog.__table__)


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
    """A fetch-log row kept for a later multi-row insert (:func:`record_fetches`)."""

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
    requested_at: datetime = field(default_factory=utcnow)  # when it was made, not written


def record_fetches(session: Session, entries: Sequence[FetchEntry]) -> None:
    """Append many fetch-log rows in one multi-row insert (the rows :func:`record_fetch`
    writes one by one)."""
    if entries:
        names = [column.name for column in fields(FetchEntry)]
        rows = [{name: getattr(entry, name) for name in names} for entry in entries]
        session.execute(insert(_FETCH_LOG), rows)  # Core: no ORM object per row


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


def validators_of(session: Session, urls: Sequence[str]) -> dict[str, Validators]:
    """:func:`get_validators` of many URLs in a query per 500: those that have some."""
    found: dict[str, Validators] = {}
    wanted = [url for url in dict.fromkeys(urls) if len(url) <= MAX_URL_CHARS]
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        query = select(HttpValidator).where(HttpValidator.url.in_(part))
        for row in session.scalars(query):
            if row.etag is not None or row.last_modified is not None:
                found[row.url] = Validators(row.etag, row.last_modified)
    return found


def set_many_validators(
    session: Session, changes: Mapping[str, tuple[str | None, str | None]]
) -> None:
    """:func:`set_validators` of many URLs (url -> (etag, last_modified)) in a few statements."""
    wanted = {url: v for url, v in changes.items() if len(url) <= MAX_URL_CHARS}
    stored: set[str] = set()
    urls = list(wanted)
    for start in range(0, len(urls), 500):
        query = select(HttpValidator.url).where(HttpValidator.url.in_(urls[start : start + 500]))
        stored.update(session.scalars(query))
    now = utcnow()
    updates = [
        {"url": url, "etag": etag, "last_modified": modified, "updated_at": now}
        for url, (etag, modified) in wanted.items()
        if url in stored
    ]
    fresh = [
        {"url": url, "etag": etag, "last_modified": modified, "updated_at": now}
        for url, (etag, modified) in wanted.items()
        if url not in stored and (etag is not None or modified is not None)
    ]
    if updates:
        session.execute(update(HttpValidator), updates)
    if fresh:
        session.execute(insert(HttpValidator), fresh)


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
