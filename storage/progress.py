"""Backfill progress: which (source, day) pairs are finished, so a killed backfill resumes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.db import existing_or_added
from storage.models import CrawlProgress
from storage.types import utcnow

DONE = "done"
FAILED = "failed"


def done_days(session: Session, source_name: str, start: date, end: date) -> set[date]:
    """Days in ``[start, end]`` that ``source_name`` has already finished (failed days retry)."""
    rows = session.scalars(
        select(CrawlProgress.day).where(
            CrawlProgress.source_name == source_name,
            CrawlProgress.day >= start,
            CrawlProgress.day <= end,
            CrawlProgress.status == DONE,
        )
    )
    return set(rows)


def mark_day(
    session: Session,
    source_name: str,
    day: date,
    status: str,
    n_discovered: int = 0,
    n_new: int = 0,
    error: str | None = None,
) -> CrawlProgress:
    """Record (or replace) the outcome of one source's day."""
    if status not in (DONE, FAILED):
        raise ValueError(f"unknown crawl status {status!r}")
    outcome = {
        "status": status,
        "n_discovered": n_discovered,
        "n_new": n_new,
        "error": error,
        "finished_at": utcnow(),
    }
    row = existing_or_added(  # two backfills may finish the same day at once
        session,
        select(CrawlProgress).where(
            CrawlProgress.source_name == source_name, CrawlProgress.day == day
        ),
        lambda: CrawlProgress(source_name=source_name, day=day, **outcome),
    )
    for name, value in outcome.items():
        setattr(row, name, value)
    session.flush()
    return row


def forget_days(session: Session, source_name: str, start: date, end: date) -> int:
    """Drop the progress of ``[start, end]`` (a forced re-fetch walks those days again)."""
    result = session.execute(
        delete(CrawlProgress).where(
            CrawlProgress.source_name == source_name,
            CrawlProgress.day >= start,
            CrawlProgress.day <= end,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def progress_rows(session: Session, source_name: str | None = None) -> list[CrawlProgress]:
    """All progress rows (of one source), oldest day first: for tests and status output."""
    query = select(CrawlProgress).order_by(CrawlProgress.source_name, CrawlProgress.day)
    if source_name is not None:
        query = query.where(CrawlProgress.source_name == source_name)
    return list(session.scalars(query))
