"""Apply Alembic migrations programmatically (``newsmon db upgrade``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect

from storage.db import make_engine, normalise_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic config that finds the migrations inside the installed package."""
    from alembic.config import Config  # Alembic only when migrating (read commands start fast)

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at ``database_url`` up to ``revision`` (idempotent)."""
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_migrated(database_url: str) -> bool:
    """Whether the schema exists at all (used to give a clear 'run db upgrade' message)."""
    engine = make_engine(database_url)
    try:
        return inspect(engine).has_table("articles")
    finally:
        engine.dispose()
