"""Source rows and their health (last success, last error, status), one or thousands at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Table, bindparam, select, update
from sqlalchemy.orm import Session

from storage.db import existing_or_added
from storage.models import Source
from storage.types import utcnow

STATUS_OK = "ok"
STATUS_FAILING = "failing"
STATUS_BLOCKED = "blocked"
STATUS_UNREACHABLE = "unreachable"
NAMES_PER_SELECT = 500  # names or ids per IN list (SQLite's variable limit; short statements)
STATUS_GONE = "gone"  # its listing answered 410 Gone: not polled until re-enabled


def ensure_source(session: Session, name: str, kind: str) -> Source:
    """The source called ``name``, created on first use, its configuration left alone.

    Safe when several processes create the same source at once: the loser of the insert race
    reads the winner's row instead of failing on the unique name.
    """
    return existing_or_added(
        session, select(Source).where(Source.name == name), lambda: Source(name=name, kind=kind)
    )


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


@dataclass(frozen=True, slots=True)
class SourceSetup:
    """A source's configuration as its row keeps it (``url`` None leaves the stored one)."""

    name: str
    kind: str
    url: str | None = None
    enabled: bool = True
    priority: int = 100


@dataclass(frozen=True, slots=True)
class HealthUpdate:
    """One source's health after a run: ``error`` None is a success."""

    source_id: int
    error: str | None = None
    status: str = STATUS_OK


def configure_sources(session: Session, setups: Sequence[SourceSetup]) -> dict[str, int]:
    """Each source's row id by name, created on first use, its configuration applied.

    In a few statements for any number of sources (a select per :data:`NAMES_PER_SELECT`, one
    insert of the missing, one executemany of the changed), not one transaction each: 10,000
    sources are a moment. Safe when another process creates the same sources at once (its
    rows are taken, ours skipped).
    """
    wanted = {setup.name: setup for setup in setups}
    rows = _rows_named(session, list(wanted))
    missing = [setup for name, setup in wanted.items() if name not in rows]
    if missing:
        now = utcnow()
        values = [
            {
                "name": s.name,
                "kind": s.kind,
                "url": s.url,
                "enabled": s.enabled,
                "priority": s.priority,
                "created_at": now,
                "status": "never",
                "consecutive_failures": 0,
            }
            for s in missing
        ]
        session.execute(insert_ignoring(session, Source.__table__, ["name"]), values)
        rows.update(_rows_named(session, [s.name for s in missing]))
    changed = [
        {
            "id": row.id,
            "kind": setup.kind,
            "url": row.url if setup.url is None else setup.url,
            "enabled": setup.enabled,
            "priority": setup.priority,
        }
        for name, setup in wanted.items()
        if _differs(row := rows[name], setup)
    ]
    if changed:
        session.execute(update(Source), changed)
    return {name: row.id for name, row in rows.items()}


def source_ids_named(session: Session, names: Sequence[str]) -> dict[str, int]:
    """The row ids of the stored sources among ``names`` (a select per 500 names)."""
    return {name: row.id for name, row in _rows_named(session, list(names)).items()}


def _rows_named(session: Session, names: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    columns = (Source.id, Source.name, Source.kind, Source.url, Source.enabled, Source.priority)
    for start in range(0, len(names), NAMES_PER_SELECT):
        part = names[start : start + NAMES_PER_SELECT]
        found.update(
            (row.name, row)
            for row in session.execute(select(*columns).where(Source.name.in_(part)))
        )
    return found


def _differs(row: Row[Any], setup: SourceSetup) -> bool:
    return (
        row.kind != setup.kind
        or (setup.url is not None and row.url != setup.url)
        or bool(row.enabled) != setup.enabled
        or row.priority != setup.priority
    )


def record_health(session: Session, updates: Sequence[HealthUpdate]) -> None:
    """:func:`record_source_success` / :func:`record_source_failure` for many sources at once:
    one UPDATE per :data:`NAMES_PER_SELECT` successes, one executemany for the failures."""
    now = utcnow()
    ok = [u.source_id for u in updates if u.error is None]
    for start in range(0, len(ok), NAMES_PER_SELECT):
        session.execute(
            update(Source)
            .where(Source.id.in_(ok[start : start + NAMES_PER_SELECT]))
            .values(
                last_attempt_at=now,
                last_success_at=now,
                status=STATUS_OK,
                consecutive_failures=0,
            )
            .execution_options(synchronize_session=False)
        )
    failed = [
        {"b_id": u.source_id, "b_error": u.error, "b_status": u.status}
        for u in updates
        if u.error is not None
    ]
    if failed:
        table = Source.__table__
        assert isinstance(table, Table)
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                last_attempt_at=now,
                last_error_at=now,
                last_error=bindparam("b_error", type_=table.c.last_error.type),
                status=bindparam("b_status"),
                consecutive_failures=table.c.consecutive_failures + 1,
            )
        )
        session.execute(statement, failed)


def insert_ignoring(session: Session, table: Any, unique: list[str]) -> Any:
    """An INSERT into ``table`` that skips rows whose ``unique`` columns exist already."""
    assert isinstance(table, Table)
    # Imported here: a read command that loads this module has no need of either dialect.
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=unique)


def list_sources(session: Session) -> list[Source]:
    """All sources by name."""
    return list(session.scalars(select(Source).order_by(Source.name)))


@dataclass(frozen=True, slots=True)
class ListingState:
    """What a source's row remembers of its listing: a permanent move and a 410 Gone, each
    valid while the configured URL is still the one that answered it."""

    moved_from: str | None = None
    moved_to: str | None = None
    gone_url: str | None = None
    last_error: str | None = None

    def move(self, configured_url: str) -> str | None:
        """Where the listing configured as ``configured_url`` moved for good, or None."""
        return self.moved_to if self.moved_from == configured_url else None

    def gone(self, configured_url: str) -> str | None:
        """Why the listing configured as ``configured_url`` is not polled, or None."""
        if self.gone_url is None or self.gone_url != configured_url:
            return None
        return self.last_error or "410 Gone"


def listing_states(session: Session, names: Sequence[str]) -> dict[str, ListingState]:
    """The :class:`ListingState` of each named source that has a row: a query per
    :data:`NAMES_PER_SELECT` names (thousands of sources: a few statements)."""
    found: dict[str, ListingState] = {}
    for start in range(0, len(names), NAMES_PER_SELECT):
        part = list(names[start : start + NAMES_PER_SELECT])
        query = select(
            Source.name, Source.moved_from, Source.moved_to, Source.gone_url, Source.last_error
        ).where(Source.name.in_(part))
        for name, moved_from, moved_to, gone_url, last_error in session.execute(query):
            found[name] = ListingState(moved_from, moved_to, gone_url, last_error)
    return found


def listing_move(session: Session, name: str, configured_url: str) -> str | None:
    """Where the source ``name``'s listing moved for good, while its configured URL is still
    ``configured_url`` (the one that answered the permanent redirect); None: not moved."""
    state = listing_states(session, [name]).get(name)
    return state.move(configured_url) if state else None


def record_listing_move(session: Session, source: Source, configured_url: str, to: str) -> None:
    """Remember that the listing configured as ``configured_url`` moved for good to ``to``."""
    source.moved_from = configured_url
    source.moved_to = to


def gone_reason(session: Session, name: str, configured_url: str) -> str | None:
    """Why the source ``name`` is not polled (its listing answered 410 Gone), while its
    configured URL is still ``configured_url``; None: it is polled."""
    state = listing_states(session, [name]).get(name)
    return state.gone(configured_url) if state else None


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
