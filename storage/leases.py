"""Host leases: one request slot per host per interval, shared by every process on a database.

Each caller *reserves* the next free slot for a host inside a short transaction that locks the
host's row (``SELECT … FOR UPDATE`` on PostgreSQL, a ``BEGIN IMMEDIATE`` write transaction on
SQLite), moves ``next_allowed_at`` one interval further and commits; it then sleeps until its
slot outside any transaction. Nothing is held while waiting or fetching, so a process that dies
after reserving only wastes one slot: there is no stale lock to expire.

On PostgreSQL the database's clock decides (``clock_timestamp()``), so workers on machines with
skewed clocks still agree; SQLite is local to one machine, so its processes share Python's clock.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Connection, Engine, Table, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import HostLease
from storage.types import utcnow

_LEASES = cast(Table, HostLease.__table__)


@dataclass(frozen=True, slots=True)
class Slot:
    """A reserved request slot: when it starts and how long the caller has to wait for it."""

    start: datetime
    wait_s: float


def default_holder() -> str:
    """``host:pid`` of this process, stored with each reservation to show who took it."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def reserve_slot(
    engine: Engine,
    host: str,
    min_interval_s: float,
    holder: str | None = None,
    *,
    only_now: bool = False,
) -> Slot:
    """Reserve the next request slot for ``host``: its start and the seconds to wait for it.

    Slots for one host are at least ``min_interval_s`` apart whichever process reserved them;
    a wait of zero means "go now". With ``only_now`` a slot is taken only when it starts now;
    otherwise nothing is reserved and ``wait_s`` says when to ask again (a caller that wakes
    late then never shortens the gap to the next process's request).
    """
    if min_interval_s < 0:
        raise ValueError(f"min_interval_s must be >= 0, got {min_interval_s}")
    holder = holder or default_holder()
    dialect = engine.dialect.name
    if dialect == "postgresql":
        return _reserve_postgresql(engine, host, min_interval_s, holder, only_now)
    if dialect == "sqlite":
        return _reserve_sqlite(engine, host, min_interval_s, holder, only_now)
    raise NotImplementedError(f"host leases are not supported on {dialect}")


def _reserve_postgresql(
    engine: Engine, host: str, interval: float, holder: str, only_now: bool
) -> Slot:
    with engine.begin() as conn:
        # A lease lost in a crash costs nothing, so the commit need not wait for the disk: the
        # sooner it returns, the sooner the request of the reserved slot is on its way.
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
        conn.execute(
            postgresql.insert(_LEASES)
            .values(host=host, next_allowed_at=utcnow(), holder=holder)
            .on_conflict_do_nothing(index_elements=["host"])
        )
        next_allowed = conn.execute(
            select(_LEASES.c.next_allowed_at).where(_LEASES.c.host == host).with_for_update()
        ).scalar_one()
        # Read the clock only once the row lock is ours: waiting for it must not count.
        now = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
        return _take(conn, host, interval, holder, now, next_allowed, only_now)


def _reserve_sqlite(
    engine: Engine, host: str, interval: float, holder: str, only_now: bool
) -> Slot:
    # storage.db begins every SQLite transaction with BEGIN IMMEDIATE: the database's write
    # lock is taken up front, so two processes cannot both read the same next_allowed_at.
    with engine.begin() as conn:
        now = utcnow()
        conn.execute(
            sqlite.insert(_LEASES)
            .values(host=host, next_allowed_at=now, holder=holder)
            .on_conflict_do_nothing(index_elements=["host"])
        )
        next_allowed = conn.execute(
            select(_LEASES.c.next_allowed_at).where(_LEASES.c.host == host)
        ).scalar_one()
        return _take(conn, host, interval, holder, now, next_allowed, only_now)


def _take(
    conn: Connection,
    host: str,
    interval: float,
    holder: str,
    now: datetime,
    next_allowed: datetime,
    only_now: bool = False,
) -> Slot:
    """With the row locked: claim ``max(now, next_allowed)`` and push the next slot on (with
    ``only_now``, only when that is now; else claim nothing and say how long to wait)."""
    if only_now and next_allowed > now:
        return Slot(start=next_allowed, wait_s=(next_allowed - now).total_seconds())
    start = max(now, next_allowed)
    conn.execute(
        update(_LEASES)
        .where(_LEASES.c.host == host)
        .values(next_allowed_at=start + timedelta(seconds=interval), holder=holder)
    )
    return Slot(start=start, wait_s=max(0.0, (start - now).total_seconds()))


def lease_of(engine: Engine, host: str) -> tuple[datetime, str | None] | None:
    """The next free slot of ``host`` and who reserved the last one (None if never used)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(_LEASES.c.next_allowed_at, _LEASES.c.holder).where(_LEASES.c.host == host)
        ).one_or_none()
    if row is None:
        return None
    return row[0], row[1]
