"""Source rows: configuration survives article writes; concurrent creation does not fail."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, func, select

from processing.normalize import text_hash
from storage.articles import upsert_article
from storage.db import session_scope
from storage.models import Source
from storage.records import ArticleRecord
from storage.sources import ensure_source, get_or_create_source


def test_storing_an_article_keeps_the_sources_configuration(engine: Engine) -> None:
    with session_scope(engine) as session:
        get_or_create_source(session, "nos", kind="rss", url="https://x/feed", priority=5)
    record = ArticleRecord(
        canonical_url="https://nos.nl/artikel/1-a",
        title="T",
        text="Tekst.",
        origin="rss",
        source_name="nos",
    )
    with session_scope(engine) as session:
        upsert_article(session, record, text_hash(record.text))
    with session_scope(engine) as session:
        source = session.scalar(select(Source).where(Source.name == "nos"))
        assert source is not None
        assert (source.priority, source.url, source.kind) == (5, "https://x/feed", "rss")


def test_two_writers_creating_one_source_both_succeed(engine: Engine) -> None:
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def create() -> None:
        try:
            with session_scope(engine) as session:
                barrier.wait(timeout=10)
                ensure_source(session, "race", kind="rss")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with session_scope(engine) as session:
        count = session.scalar(
            select(func.count()).select_from(Source).where(Source.name == "race")
        )
    assert count == 1
