"""Hostile searches are bounded: repeated words count once, too many words or characters are
refused with a reason, and on PostgreSQL the query runs under a statement timeout."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from pipeline.seed import store_seeds
from storage.db import make_engine, session_scope
from storage.search import MAX_QUERY_CHARS, MAX_TERMS, SearchQueryError, search_articles
from tests.conftest import SEEDS_DIR
from tests.databases import migrated_database


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    store_seeds(engine, SEEDS_DIR)
    return engine


def test_a_1600_word_search_runs_in_under_a_second_with_the_short_search_s_hits(
    seeded: Engine,
) -> None:
    with session_scope(seeded) as session:
        short = search_articles(session, "Loekasjenko Poetin")
    assert short
    hostile = " ".join(["Loekasjenko", "poetin", "POETIN", "Loekasjenko"] * 400)
    begin = time.perf_counter()
    with session_scope(seeded) as session:
        hits = search_articles(session, hostile)
    assert time.perf_counter() - begin < 1.0
    assert [h.article_id for h in hits] == [h.article_id for h in short]


def test_too_many_different_words_are_refused_with_the_limit(seeded: Engine) -> None:
    words = " ".join(f"woord{i}" for i in range(MAX_TERMS + 1))
    with session_scope(seeded) as session, pytest.raises(SearchQueryError, match="different"):
        search_articles(session, words)


def test_an_overlong_search_is_refused(seeded: Engine) -> None:
    with session_scope(seeded) as session, pytest.raises(SearchQueryError, match="characters"):
        search_articles(session, "a" * (MAX_QUERY_CHARS + 1))


@pytest.mark.postgres
def test_on_postgresql_the_search_runs_under_a_statement_timeout(tmp_path: Path) -> None:
    with migrated_database("postgresql", tmp_path) as url:
        engine = make_engine(url)
        try:
            with session_scope(engine) as session:
                assert session.execute(text("SHOW statement_timeout")).scalar_one() == "0"
                search_articles(session, "Loekasjenko")
                assert session.execute(text("SHOW statement_timeout")).scalar_one() == "10s"
            with session_scope(engine) as session:  # SET LOCAL: that transaction only
                assert session.execute(text("SHOW statement_timeout")).scalar_one() == "0"
        finally:
            engine.dispose()
