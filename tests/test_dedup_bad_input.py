"""Bad input through the store path: empty text, another script, a megabyte of text."""

from __future__ import annotations

from sqlalchemy import Engine

from pipeline.article_store import store_record
from pipeline.processor import Processor
from storage.articles import INSERTED
from storage.db import session_scope
from storage.records import ArticleRecord


def rec(url: str, text: str, title: str = "") -> ArticleRecord:
    return ArticleRecord(canonical_url=url, url=url, title=title, text=text, origin="rss")


def test_empty_text_is_stored_not_relevant_and_unsigned(engine: Engine) -> None:
    processor = Processor.from_topics_file()
    with session_scope(engine) as session:
        result = store_record(session, rec("https://x.example/empty", ""), processor)
        assert result.action == INSERTED
        assert result.article.relevant is False and result.article.relevance_score == 0.0
        assert result.article.minhash is None and result.article.tags == []
        assert result.article.story_id is None  # nothing to cluster on
    with session_scope(engine) as session:
        # Another empty article is stored on its own: empty texts are nobody's duplicate.
        second = store_record(session, rec("https://y.example/empty", " \n "), processor)
        assert second.action == INSERTED and second.article.duplicate_of is None


def test_cyrillic_text_is_signed_and_tagged(engine: Engine) -> None:
    text = (
        "Лукашенко и Путин обсудили в Минске Союзное государство и размещение российского "
        "ядерного оружия в Беларуси. По словам Кремля, переговоры продлились пять часов, "
        "а стороны договорились о новых совместных учениях войск."
    )
    with session_scope(engine) as session:
        result = store_record(
            session, rec("https://x.example/ru", text), Processor.from_topics_file()
        )
        article = result.article
        assert article.relevant is True
        assert article.minhash is not None
        assert {t.topic for t in article.tags} >= {"belarus-russia", "union-state"}


def test_a_megabyte_article_is_stored_whole_and_tagged_from_its_start(engine: Engine) -> None:
    body = "Loekasjenko ontmoet Poetin in Minsk. " + "Een zin over het weer in de stad. " * 31_000
    assert len(body) > 1_000_000
    with session_scope(engine) as session:
        result = store_record(
            session, rec("https://x.example/big", body, "Groot"), Processor.from_topics_file()
        )
        assert result.article.n_chars == len(body)
        assert result.article.relevant is True
        assert result.article.minhash is not None
