"""Backfill walks a sitemap for each requested day, whatever validators a poll left behind."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from composition.settings import get_settings
from flows.backfill_flow import backfill
from processing.urls import canonicalize_url
from storage.db import session_scope
from storage.models import Article
from tests.prefect_fixtures import write_sources_toml
from tests.site.content import ARCHIVE_DAYS, catalogue
from tests.site.server import NosSite

SOURCE = "nos-sitemap"


@pytest.fixture
def sitemap_env(
    site: NosSite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str
) -> str:
    """NEWSMON_* pointing at the local site's sitemap only, and a fresh database."""
    config = site.sources_config()
    config = config.model_copy(
        update={"sources": tuple(s for s in config.sources if s.name == SOURCE)}
    )
    monkeypatch.setenv("NEWSMON_DATABASE_URL", database_url)
    monkeypatch.setenv("NEWSMON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv(
        "NEWSMON_SOURCES_FILE", str(write_sources_toml(config, tmp_path / "sources.toml"))
    )
    get_settings.cache_clear()
    return database_url


def articles_of(site: NosSite, *days: date) -> set[str]:
    return {
        canonicalize_url(site.url(article.path))
        for day in days
        for article in catalogue().on_day(day)
        if article.kind == "artikel" and not article.path.startswith("/intern/")
    }


def stored_urls(engine: Engine) -> set[str]:
    with session_scope(engine) as session:
        return set(session.scalars(select(Article.canonical_url)))


@pytest.mark.usefixtures("prefect_harness", "sitemap_env")
def test_a_sitemap_backfill_of_one_day_then_of_another_stores_both_days(
    site: NosSite, engine: Engine
) -> None:
    first, second = ARCHIVE_DAYS[0], ARCHIVE_DAYS[1]
    assert articles_of(site, first) and articles_of(site, second)

    one = backfill(start=first, end=first)  # all sources: the sitemap only
    two = backfill(start=second, end=second)  # all sources: the sitemap only

    assert (one["days_done"], two["days_done"]) == (1, 1)
    assert stored_urls(engine) == articles_of(site, first, second)
    assert two["new"] == len(articles_of(site, second))
    # Validators are for polling: the backfill never asks "unchanged since?".
    index = site.requests(path="/sitemap.xml")
    assert len(index) == 2
    assert all(r.if_none_match is None and r.if_modified_since is None for r in index)


@pytest.mark.usefixtures("prefect_harness", "sitemap_env")
def test_a_sitemap_backfill_over_a_range_stores_every_day_of_it(
    site: NosSite, engine: Engine
) -> None:
    first, last = ARCHIVE_DAYS[0], ARCHIVE_DAYS[1]

    summary = backfill(start=first, end=last)  # all sources: the sitemap only

    assert summary["days_failed"] == 0
    assert stored_urls(engine) == articles_of(site, first, last)
