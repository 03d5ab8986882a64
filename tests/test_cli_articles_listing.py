"""`newsmon articles` lists newest first with outlet and relevance, in local time with its
offset; `articles show` prints local time and never the word None (in-process CLI, SQLite and
PostgreSQL)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from cli.common import console
from cli.main import app
from composition.settings import get_settings
from tests.conftest import SEEDS_DIR

ROW = r"\s*\d+ +(\d{4}-\d\d|unknown)"  # a table row: id, then the publication time


def invoke(*args: str) -> str:
    get_settings.cache_clear()
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def seeded(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSMON_DATABASE_URL", database_url)
    monkeypatch.setenv("NEWSMON_SEEDS_DIR", str(SEEDS_DIR))
    monkeypatch.setenv("NEWSMON_TIMEZONE", "Europe/Amsterdam")
    monkeypatch.setattr(console, "_width", 200)
    invoke("seed")


def test_articles_are_listed_newest_first_with_outlet_and_relevance(seeded: None) -> None:
    out = invoke("articles")
    rows = [line for line in out.splitlines() if re.match(ROW, line)]
    assert len(rows) == 5
    published = [line.split()[1] for line in rows]
    # Newest first (a month-only date as its month), undated seeds last.
    assert published == ["2022-12", "2022-10-12", "2022-10", "unknown", "unknown"]
    assert "2022-10-12 07:00+02:00" in rows[1]  # 05:00Z, in local time with its offset
    assert all(("nos.nl" in line) or ("seed corpus" in line) for line in rows)
    assert all(re.search(r" (yes|no) \d+\.\d\d ", line) for line in rows), rows
    flat = " ".join(out.split())  # titles wrap, never cut
    assert "Heel duidelijk was de Wit-Russische president Aleksandr Loekasjenko niet." in flat


def test_articles_show_prints_local_time_and_no_none(seeded: None) -> None:
    out = invoke("articles")
    dated = next(line.split()[0] for line in out.splitlines() if " 2022-10-12 " in line)
    shown = invoke("articles", "show", dated)
    assert "None" not in shown
    assert re.search(r"published_at: 2022-10-12 07:00\+02:00", shown), shown
