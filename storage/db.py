"""Engine and session setup for SQLite (embedded default) and PostgreSQL (at scale)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Select, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000

Model = TypeVar("Model")


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names (``postgres://`` included)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the pragmas newsmon relies on.

    SQLite gets a busy timeout (two processes may write), enforced foreign keys, WAL where the
    file is writable (readers never block the writer; a read-only file is still readable),
    and every transaction starts with ``BEGIN IMMEDIATE``: a writer takes the write lock up
    front and waits its turn, instead of failing with "database is locked" when it upgrades
    a read snapshot another writer has moved past (SQLAlchemy's pysqlite recipe).
    """
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not _is_uri(parsed.query):
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _is_uri(query: Any) -> bool:
    return str(query.get("uri", "")).lower() in ("true", "1")


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own implicit BEGIN is switched off: SQLAlchemy's "begin" event emits it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    (mode,) = cursor.execute("PRAGMA journal_mode").fetchone()
    if str(mode).lower() != "wal":
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as exc:
            if "readonly" not in str(exc):
                raise  # a read-only file stays in its journal mode and is read as it is
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (plain data after the write)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    session = make_sessionmaker(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def existing_or_added(
    session: Session, query: Select[tuple[Model]], new: Callable[[], Model]
) -> Model:
    """The row ``query`` finds, else ``new()`` inserted (flushed in a savepoint).

    Safe when several processes add the same key at once: on PostgreSQL the later insert waits
    for the first and then fails on the unique key; it is rolled back and the winner's row,
    committed by then, is returned instead of an error.
    """
    row = session.scalars(query).first()
    if row is not None:
        return row
    row = new()
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        winner = session.scalars(query).first()
        if winner is None:  # not a lost race: the new row itself breaks a constraint
            raise
        return winner
    return row
