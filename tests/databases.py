"""Fresh databases for tests: a SQLite file, or a throw-away PostgreSQL database.

PostgreSQL is the machine's server at 127.0.0.1:5432 (user ``postgres``, trust auth). Each test
gets its own database, created from the ``test`` database and dropped afterwards. With
``CI=true`` an unreachable server fails the test; elsewhere the test is skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PG_ADMIN_URL = os.environ.get(
    "NEWSMON_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def pg_unavailable_reason() -> str | None:
    """None when PostgreSQL answers, else why not."""
    import psycopg

    dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure to connect is a reason to skip/fail
        return f"PostgreSQL at {PG_ADMIN_URL} is not reachable: {exc}"
    return None


def require_postgres() -> None:
    """Skip (locally) or fail (CI=true) when PostgreSQL is not there."""
    reason = pg_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true requires PostgreSQL: {reason}")
    pytest.skip(reason)


@contextmanager
def fresh_postgres_database(prefix: str = "newsmon_t") -> Iterator[str]:
    """Create a new empty PostgreSQL database and yield its SQLAlchemy URL."""
    import psycopg

    require_postgres()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A migrated-nothing, empty database URL for ``backend`` (sqlite | postgresql)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'newsmon.db'}"
    elif backend == "postgresql":
        with fresh_postgres_database() as url:
            yield url
    else:
        raise ValueError(backend)
