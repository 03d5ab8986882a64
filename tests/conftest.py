"""Shared fixtures: clean environment, migrated databases of their own on both backends.

Each backend is migrated once per session and copied per test (:mod:`tests.databases`); the
test sets and their marks are in :mod:`tests.suite_marks`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from storage.db import make_engine
from tests.databases import TEMPLATES, fresh_database, migrated_database, migrated_sqlite_url
from tests.site.fixtures import nos_site, site  # noqa: F401

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "seeds"
SHARED_DIR = REPO_ROOT.parent / "shared"
REALDATA_DIR = SHARED_DIR / "realdata"

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# Rich fixes a console's width for good when COLUMNS is set as the console is made. The CLI's
# consoles are made here, with no COLUMNS, so each test's own COLUMNS counts whatever ran first
# in this process (pytest-xdist workers run the tests in another order than a serial run).
os.environ.pop("COLUMNS", None)
import cli.common  # noqa: E402, F401

pytest_plugins = ["tests.suite_marks", "tests.prefect_fixtures", "pytester"]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The session's migrated templates go with it."""
    TEMPLATES.drop()


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
    """A migrated database of the test's own on each backend (the test runs once per backend;
    the PostgreSQL run is marked ``postgres``)."""
    with migrated_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend, for the tests of the migrations themselves."""
    with fresh_database(request.param, tmp_path) as url:
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
    return migrated_sqlite_url(tmp_path)


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    eng = make_engine(sqlite_url)
    yield eng
    eng.dispose()
