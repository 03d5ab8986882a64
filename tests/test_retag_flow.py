"""The `retag` Prefect flow runs the same job as `newsmon retag` on the configured taxonomy."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from composition.settings import get_settings
from flows.retag_flow import retag_flow
from processing.taxonomy import TaxonomyError
from tests.retag_data import modified_taxonomy, state, store_fixture, write_taxonomy

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_the_retag_flow_applies_the_configured_taxonomy_since_a_day(
    sqlite_engine: Engine, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_fixture(sqlite_engine)
    monkeypatch.setenv("NEWSMON_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEWSMON_TOPICS_FILE", str(write_taxonomy(tmp_path, modified_taxonomy())))
    get_settings.cache_clear()
    recent = retag_flow(since=date(2024, 1, 1))
    # Since 2024: the sport item (now relevant, a new story) and seed 003 (undated, first
    # seen today: no longer relevant, its story deleted); the 2022 seeds are not read.
    assert (recent["articles"], recent["changed"]) == (4, 2)
    assert recent["stories_created"] == 1 and recent["stories_deleted"] == 1
    everything = retag_flow()
    assert everything["changed"] == 2  # seed 001 and its copy
    assert retag_flow()["changed"] == 0


def test_the_retag_flow_fails_on_a_broken_taxonomy_naming_the_file_and_writes_nothing(
    sqlite_engine: Engine, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_fixture(sqlite_engine)
    before = state(sqlite_engine)
    broken = modified_taxonomy().replace('rule = "minsk_agreements"', 'rule = "minsk_agreementz"')
    topics = write_taxonomy(tmp_path, broken, "bad.toml")
    monkeypatch.setenv("NEWSMON_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEWSMON_TOPICS_FILE", str(topics))
    get_settings.cache_clear()
    with pytest.raises(TaxonomyError, match=r"bad\.toml: topic 'belarus-russia', rule \d+"):
        retag_flow()
    assert state(sqlite_engine) == before
