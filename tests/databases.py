"""Databases for tests: empty ones, and migrated ones copied from a once-per-session template.

PostgreSQL is the machine's server at 127.0.0.1:5432 (user ``postgres``, trust auth). Each test
gets its own database, created from the ``test`` database (empty) or from the session's migrated
template (``CREATE DATABASE … TEMPLATE …``), and dropped afterwards. SQLite tests get a copy of
the session's migrated file. Running Alembic once per backend and session instead of once per
test is most of what keeps the default test run short; tests whose subject is the migrations
themselves use :func:`fresh_database` and migrate on their own. With ``CI=true`` an unreachable
server fails the test; elsewhere the test is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PG_ADMIN_URL = os.environ.get(
    "NEWSMON_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PG_ADMIN_DSN = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
SQLITE_NAME = "newsmon.db"


def pg_unavailable_reason() -> str | None:
    """None when PostgreSQL answers, else why not."""
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=3) as conn:
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


def _pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(statement)


def _pg_url(name: str) -> str:
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


@contextmanager
def fresh_postgres_database(
    prefix: str = "newsmon_t", template: str | None = None
) -> Iterator[str]:
    """Create a new PostgreSQL database (empty, or a copy of ``template``); yield its URL."""
    from tests.suite_marks import require_mark  # a plugin: pytest imports it first

    require_mark("postgres", "created a PostgreSQL database")
    require_postgres()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield _pg_url(name)
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A migrated-nothing, empty database URL for ``backend`` (sqlite | postgresql)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / SQLITE_NAME}"
    elif backend == "postgresql":
        with fresh_postgres_database() as url:
            yield url
    else:
        raise ValueError(backend)


class MigratedTemplates:
    """The session's two migrated databases, each built on first use and copied per test."""

    def __init__(self) -> None:
        self.sqlite_file: Path | None = None
        self.postgres_name: str | None = None
        self.migrations = 0  # Alembic runs made here (one per backend and session)

    def sqlite_template(self) -> Path:
        if self.sqlite_file is None:
            from storage.migrate import upgrade

            folder = Path(tempfile.mkdtemp(prefix="newsmon-template-"))
            path = folder / SQLITE_NAME
            upgrade(f"sqlite:///{path}")
            self.migrations += 1
            conn = sqlite3.connect(path)
            try:  # everything in the main file, nothing left in -wal: one file to copy
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
            self.sqlite_file = path
        return self.sqlite_file

    def postgres_template(self) -> str:
        if self.postgres_name is None:
            from storage.migrate import upgrade

            require_postgres()
            name = f"newsmon_tpl_{uuid.uuid4().hex[:12]}"
            _pg_admin(f'CREATE DATABASE "{name}"')
            try:
                upgrade(_pg_url(name))
                # No one may connect to it from now on, or CREATE DATABASE … TEMPLATE would fail.
                _pg_admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            except BaseException:
                _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                raise
            self.migrations += 1
            self.postgres_name = name
        return self.postgres_name

    def drop(self) -> None:
        """Remove both templates (end of the session)."""
        if self.postgres_name is not None:
            _pg_admin(f'DROP DATABASE IF EXISTS "{self.postgres_name}" WITH (FORCE)')
            self.postgres_name = None
        if self.sqlite_file is not None:
            shutil.rmtree(self.sqlite_file.parent, ignore_errors=True)
            self.sqlite_file = None


TEMPLATES = MigratedTemplates()


def migrated_sqlite_url(folder: Path) -> str:
    """``folder/newsmon.db``, a copy of the session's migrated SQLite database; its URL."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / SQLITE_NAME
    shutil.copyfile(TEMPLATES.sqlite_template(), target)
    return f"sqlite:///{target}"


@contextmanager
def migrated_database(backend: str, folder: Path) -> Iterator[str]:
    """A migrated database of its own for ``backend`` (sqlite | postgresql): a template copy."""
    if backend == "sqlite":
        yield migrated_sqlite_url(folder)
    elif backend == "postgresql":
        with fresh_postgres_database(template=TEMPLATES.postgres_template()) as url:
            yield url
    else:
        raise ValueError(backend)
