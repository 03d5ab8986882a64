"""Shared fixtures: clean environment, fresh migrated databases on both backends."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from storage.db import make_engine
from storage.migrate import upgrade
from tests.databases import fresh_database
from tests.site.fixtures import nos_site, site  # noqa: F401

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "seeds"
SHARED_DIR = REPO_ROOT.parent / "shared"
REALDATA_DIR = SHARED_DIR / "realdata"

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

pytest_plugins = ["tests.prefect_fixtures"]


@pytest.fixture(autouse=True)
def clean_newsmon_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test sees the developer's NEWSMON_* variables, .env file or cached settings."""
    from composition.settings import get_settings

    for key in list(os.environ):
        if key.startswith("NEWSMON_") and key != "NEWSMON_TEST_PG_URL":
            monkeypatch.delenv(key, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated database on each backend (the test runs once per backend)."""
    with fresh_database(request.param, tmp_path) as url:
        upgrade(url)
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the fresh database of :func:`database_url`."""
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database only (for tests whose subject is not storage)."""
    url = f"sqlite:///{tmp_path / 'newsmon.db'}"
    upgrade(url)
    return url


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    eng = make_engine(sqlite_url)
    yield eng
    eng.dispose()
