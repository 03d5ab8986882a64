"""Full-text search on both backends: ranking, diacritics, and queries that are only data."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from pipeline.seed import store_seeds
from storage.db import session_scope
from storage.models import Article
from storage.search import fts5_query, search_articles
from tests.conftest import SEEDS_DIR


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    store_seeds(engine, SEEDS_DIR)
    return engine


def ids_for(engine: Engine, query: str) -> list[int]:
    with session_scope(engine) as session:
        return [hit.article_id for hit in search_articles(session, query)]


def seed_id(engine: Engine, prefix: str) -> int:
    with session_scope(engine) as session:
        article = session.scalar(select(Article).where(Article.seed_file.startswith(prefix)))
        assert article is not None
        return article.id


def test_search_finds_only_articles_containing_the_words(seeded: Engine) -> None:
    hits = ids_for(seeded, "Wagner huurlingen")
    assert hits == [seed_id(seeded, "003")]


def test_search_ranks_the_article_most_about_the_query_first(seeded: Engine) -> None:
    hits = ids_for(seeded, "referendum")
    assert hits and hits[0] == seed_id(seeded, "003")


def test_search_returns_snippets(seeded: Engine) -> None:
    with session_scope(seeded) as session:
        hit = search_articles(session, "Minsk")[0]
    assert "Minsk" in hit.snippet


@pytest.mark.parametrize(
    "query",
    [
        "'; DROP TABLE articles; --",
        'NEAR("Poetin" OR *',
        "title:Poetin",
        '"unbalanced',
        "",
        "   ",
    ],
)
def test_hostile_queries_are_data_not_syntax(seeded: Engine, query: str) -> None:
    ids_for(seeded, query)  # must not raise
    with session_scope(seeded) as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 5


def test_fts5_query_quotes_every_word() -> None:
    assert fts5_query('NEAR(a b) OR "c"') == '"NEAR" "a" "b" "OR" "c"'


def test_search_index_follows_updates(seeded: Engine) -> None:
    with session_scope(seeded) as session:
        article = session.get(Article, seed_id(seeded, "004"))
        assert article is not None
        article.text += " Zeldzaamwoord."
    assert ids_for(seeded, "zeldzaamwoord") == [seed_id(seeded, "004")]
