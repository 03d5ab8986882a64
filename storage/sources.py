"""Source rows and their health (last success, last error, status)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Source
from storage.types import utcnow

STATUS_OK = "ok"
STATUS_FAILING = "failing"
STATUS_BLOCKED = "blocked"
STATUS_UNREACHABLE = "unreachable"
STATUS_GONE = "gone"  # its listing answered 410 Gone: not polled until re-enabled


def ensure_source(session: Session, name: str, kind: str) -> Source:
    """The source called ``name``, created on first use, its configuration left alone.

    Safe when several processes create the same source at once: the loser of the insert race
    reads the winner's row instead of failing on the unique name.
    """
    source = session.scalar(select(Source).where(Source.name == name))
    if source is not None:
        return source
    try:
        with session.begin_nested():
            source = Source(name=name, kind=kind)
            session.add(source)
    except IntegrityError:
        source = session.scalar(select(Source).where(Source.name == name))
        if source is None:  # pragma: no cover - the row we collided with must exist
            raise
    return source


def get_or_create_source(
    session: Session,
    name: str,
    kind: str,
    url: str | None = None,
    enabled: bool = True,
    priority: int = 100,
) -> Source:
    """The source called ``name`` with its configuration (kind, URL, enabled, priority) applied."""
    source = ensure_source(session, name, kind)
    if url is not None:
        source.url = url
    source.kind = kind
    source.enabled = enabled
    source.priority = priority
    return source


def record_source_success(session: Session, source: Source) -> None:
    """Mark a source healthy after a run in which it answered."""
    now = utcnow()
    source.last_attempt_at = now
    source.last_success_at = now
    source.status = STATUS_OK
    source.consecutive_failures = 0


def record_source_failure(
    session: Session, source: Source, error: str, status: str = STATUS_FAILING
) -> None:
    """Record why a source failed; ``status`` tells failing from blocked or unreachable."""
    now = utcnow()
    source.last_attempt_at = now
    source.last_error_at = now
    source.last_error = error
    source.status = status
    source.consecutive_failures += 1


def list_sources(session: Session) -> list[Source]:
    """All sources by name."""
    return list(session.scalars(select(Source).order_by(Source.name)))


def listing_move(session: Session, name: str, configured_url: str) -> str | None:
    """Where the source ``name``'s listing moved for good, while its configured URL is still
    ``configured_url`` (the one that answered the permanent redirect); None: not moved."""
    row = session.scalar(select(Source).where(Source.name == name))
    if row is None or row.moved_from != configured_url:
        return None
    return row.moved_to


def record_listing_move(session: Session, source: Source, configured_url: str, to: str) -> None:
    """Remember that the listing configured as ``configured_url`` moved for good to ``to``."""
    source.moved_from = configured_url
    source.moved_to = to


def gone_reason(session: Session, name: str, configured_url: str) -> str | None:
    """Why the source ``name`` is not polled (its listing answered 410 Gone), while its
    configured URL is still ``configured_url``; None: it is polled."""
    row = session.scalar(select(Source).where(Source.name == name))
    if row is None or row.gone_url is None or row.gone_url != configured_url:
        return None
    return row.last_error or "410 Gone"


def record_listing_gone(session: Session, source: Source, configured_url: str) -> None:
    """Remember that the listing configured as ``configured_url`` answered 410 Gone."""
    source.gone_url = configured_url


def reenable_source(session: Session, name: str) -> bool:
    """Poll the source ``name`` again after a 410 Gone; False when it was not gone."""
    row = session.scalar(select(Source).where(Source.name == name))
    if row is None or row.gone_url is None:
        return False
    row.gone_url = None
    return True
