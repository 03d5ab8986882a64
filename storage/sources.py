"""Source rows and their health (last success, last error, status)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Source
from storage.types import utcnow

STATUS_OK = "ok"
STATUS_FAILING = "failing"
STATUS_BLOCKED = "blocked"
STATUS_UNREACHABLE = "unreachable"


def get_or_create_source(
    session: Session,
    name: str,
    kind: str,
    url: str | None = None,
    enabled: bool = True,
    priority: int = 100,
) -> Source:
    """The source called ``name``, created on first use; config changes are applied."""
    source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        source = Source(name=name, kind=kind, url=url, enabled=enabled, priority=priority)
        session.add(source)
        session.flush()
        return source
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
