"""Migrations create exactly the schema the models describe, and re-running is harmless."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from storage.migrate import alembic_config, current_revision, upgrade
from storage.models import Base

# Full-text search objects are created by raw DDL (FTS5 tables, an expression index) on
# purpose; they are not part of the ORM metadata.
FULLTEXT_PREFIX = ("articles_fts",)
# PostgreSQL's stored tsvector column (migration 0003) exists on that backend only.
PG_SEARCH_COLUMN = "search_vector"
# Canonical URLs are unique on both backends, but PostgreSQL enforces it with a unique index on
# md5(canonical_url) (migration 0006, any URL length), which reflection cannot match to the
# model's constraint; tests/test_long_urls.py checks the uniqueness itself on both.
CANONICAL_URL_UNIQUE = "uq_articles_canonical_url"


@pytest.fixture
def database_url(empty_database_url: str) -> str:
    """Migrated here, from empty: the subject of these tests (not the session's template copy)."""
    upgrade(empty_database_url)
    return empty_database_url


def _include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if type_ == "table" and name and name.startswith(FULLTEXT_PREFIX):
        return False
    if type_ == "column" and name == PG_SEARCH_COLUMN:
        return False
    if type_ == "unique_constraint" and name == CANONICAL_URL_UNIQUE:
        return False
    return not (type_ == "index" and reflected and compare_to is None)


def test_migrations_match_the_models(database_url: str, engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": _include, "compare_type": False}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_reaches_head(database_url: str, engine: Engine) -> None:
    upgrade(database_url)
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    assert current_revision(engine) == head
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_migration_history_is_linear(database_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(database_url))
    assert len(script.get_heads()) == 1
