"""`newsmon retag`: applies a taxonomy to the stored articles (tags, relevance, stories), a
second run changes nothing, the shipped taxonomy restores the previous state, and a run killed
after a committed chunk ends, when started again, where an uninterrupted run ends."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from cli.main import app
from composition.settings import get_settings
from pipeline.processor import DEFAULT_TOPICS_FILE, load_tagger
from pipeline.retag import backtest, retag
from processing.tagging import Tagger
from storage.db import make_engine, session_scope
from storage.models import Article, Story
from tests.conftest import SEEDS_DIR
from tests.databases import migrated_sqlite_url
from tests.retag_data import (
    COPY_001,
    SEED_001,
    SEED_003,
    SPORT_URL,
    ids_by_url,
    modified_taxonomy,
    state,
    store_fixture,
    write_taxonomy,
)


def modified(tmp_path: Path) -> Tagger:
    return load_tagger(write_taxonomy(tmp_path, modified_taxonomy()), SEEDS_DIR)


def shipped() -> Tagger:
    return load_tagger(DEFAULT_TOPICS_FILE, SEEDS_DIR)


def story_of(engine: Engine, url: str) -> int | None:
    with session_scope(engine) as session:
        return session.scalar(select(Article.story_id).where(Article.canonical_url == url))


def test_retag_applies_the_backtested_changes_and_keeps_stories_in_step(
    engine: Engine, tmp_path: Path
) -> None:
    store_fixture(engine)
    ids = ids_by_url(engine)
    tagger = modified(tmp_path)
    big_story = story_of(engine, SEED_001)
    assert big_story is not None and story_of(engine, COPY_001) == big_story
    report = retag(engine, tagger, chunk_size=3)
    assert (report.articles, report.changed) == (len(ids), 4)
    assert (report.became_relevant, report.stopped_relevant) == (1, 3)
    assert (report.stories_created, report.stories_left, report.stories_deleted) == (1, 2, 1)
    assert backtest(engine, tagger).changed == 0  # what was listed is what was written
    # Seed 001 (the representative) and its copy left; the story keeps seeds 000 and 002.
    assert story_of(engine, SEED_001) is None and story_of(engine, COPY_001) is None
    assert story_of(engine, SEED_003) is None  # its story had no other member: deleted
    with session_scope(engine) as session:
        story = session.get(Story, big_story)
        assert story is not None
        assert story.representative_id not in {ids[SEED_001], ids[COPY_001]}
        members = session.scalars(select(Article.id).where(Article.story_id == big_story))
        assert set(members) == {ids["seed:000_7a5bc0c833edfc55"], ids["seed:002_2cbdb47d99497912"]}
        assert story.centroid is not None and story.centroid["size"] == 2
        sport = session.get(Article, ids[SPORT_URL])
        assert sport is not None and sport.relevant and sport.story_id is not None
        assert [t.topic for t in sport.tags] == ["belarus-russia"]
        assert sport.tags[0].evidence


def test_a_second_retag_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    store_fixture(engine)
    tagger = modified(tmp_path)
    retag(engine, tagger)
    after = state(engine)
    report = retag(engine, tagger)
    assert report.changed == 0 and report.stories_created == report.stories_left == 0
    assert state(engine) == after


def test_retag_with_the_shipped_taxonomy_restores_the_previous_state(
    engine: Engine, tmp_path: Path
) -> None:
    store_fixture(engine)
    before = state(engine)
    retag(engine, modified(tmp_path))
    assert state(engine) != before
    report = retag(engine, shipped())
    assert report.changed == 4 and report.stories_joined == 1 and report.stories_created == 1
    assert state(engine) == before


class Killed(Exception):
    """Stands in for a kill after the first committed chunk."""


def test_a_killed_retag_started_again_ends_like_an_uninterrupted_one(
    engine: Engine, tmp_path: Path
) -> None:
    store_fixture(engine)
    tagger = modified(tmp_path)

    def kill_after_first_chunk(done: int, total: int) -> None:
        raise Killed

    with pytest.raises(Killed):
        retag(engine, tagger, chunk_size=2, on_progress=kill_after_first_chunk)
    assert backtest(engine, tagger).changed == 3  # seed 001 (id 2) was written, then killed
    retag(engine, tagger, chunk_size=2)
    killed = state(engine)

    clean = make_engine(migrated_sqlite_url(tmp_path / "other"))
    try:
        store_fixture(clean)
        retag(clean, tagger, chunk_size=2)
        assert killed == state(clean)
    finally:
        clean.dispose()


@pytest.mark.slow  # worker processes
def test_worker_processes_tag_exactly_as_the_main_process(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    store_fixture(sqlite_engine)
    tagger = modified(tmp_path)
    inline = backtest(sqlite_engine, tagger, chunk_size=2)
    pooled = backtest(sqlite_engine, tagger, chunk_size=2, workers=2)
    assert pooled.summary() == inline.summary()
    report = retag(sqlite_engine, tagger, chunk_size=2, workers=2)
    assert report.changed == inline.changed == 4


def test_the_retag_command_prints_a_summary(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_fixture(engine)
    topics = write_taxonomy(tmp_path, modified_taxonomy())
    monkeypatch.setenv("NEWSMON_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(app, ["retag", "--topics", str(topics)])
    assert result.exit_code == 0, result.output
    assert "became relevant" in result.stdout
    monkeypatch.setenv("NEWSMON_TOPICS_FILE", str(topics))
    get_settings.cache_clear()
    again = CliRunner().invoke(app, ["rules", "test", "--json"])
    assert again.exit_code == 0 and '"changed": 0' in again.stdout
