"""Per listed URL: how often reading its article failed, and when it may be tried again.

A URL that failed (a timeout, a 5xx, a wall that left only the feed's teaser) is neither
fetched on every poll forever nor forgotten: the ingest asks for the URLs that are waiting
(not due yet, or given up) before fetching, and records each failure with the next retry time
its backoff policy chose. A refusal that settled its listing (a wall, a page that is no article
yet) is found again by :func:`due_retries`, as the listing may answer 304 meanwhile. A
success clears the row. Keys as in ``storage.aliases``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.aliases import CHUNK, url_key
from storage.models import FetchRetry
from storage.types import utcnow


@dataclass(slots=True, frozen=True)
class RetryState:
    """A URL's failures so far and when it may be fetched again (None: not again)."""

    failures: int
    next_retry_at: datetime | None
    last_outcome: str


def retry_states(session: Session, urls: Iterable[str]) -> dict[str, RetryState]:
    """The retry state of each of ``urls`` that has failed before."""
    by_key = {url_key(url): url for url in dict.fromkeys(urls)}
    keys = list(by_key)
    found: dict[str, RetryState] = {}
    for start in range(0, len(keys), CHUNK):
        query = select(FetchRetry).where(FetchRetry.url_key.in_(keys[start : start + CHUNK]))
        for row in session.scalars(query):
            found[by_key[row.url_key]] = RetryState(
                row.failures, row.next_retry_at, row.last_outcome
            )
    return found


def record_failure(
    session: Session,
    url: str,
    outcome: str,
    error: str | None,
    next_retry_at: datetime | None,
    failures: int,
) -> None:
    """Store that ``url`` failed for the ``failures``-th time, next tried at ``next_retry_at``."""
    key = url_key(url)
    row = session.get(FetchRetry, key)
    if row is None:
        row = FetchRetry(url_key=key, url=url)
        session.add(row)
    row.failures = failures
    row.next_retry_at = next_retry_at
    row.last_outcome = outcome
    row.last_error = error
    row.updated_at = utcnow()


def clear_failures(session: Session, urls: Iterable[str]) -> None:
    """Forget the failures of ``urls`` (their article was read)."""
    keys = [url_key(url) for url in dict.fromkeys(urls)]
    for start in range(0, len(keys), CHUNK):
        part = keys[start : start + CHUNK]
        session.execute(delete(FetchRetry).where(FetchRetry.url_key.in_(part)))


def due_retries(session: Session, now: datetime, outcomes: Iterable[str], limit: int) -> list[str]:
    """Up to ``limit`` URLs whose last failure was one of ``outcomes`` and whose retry is due
    at ``now``, the longest waiting first."""
    query = (
        select(FetchRetry.url)
        .where(
            FetchRetry.next_retry_at.is_not(None),
            FetchRetry.next_retry_at <= now,
            FetchRetry.last_outcome.in_(list(outcomes)),
        )
        .order_by(FetchRetry.next_retry_at, FetchRetry.url_key)
        .limit(limit)
    )
    return list(session.scalars(query))
