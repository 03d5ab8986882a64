"""Parsing off the event loop: the same tags as the store would compute."""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from pipeline.article_store import Precomputed, store_record
from pipeline.ingest import IngestContext, run_ingest
from pipeline.ingest.parse import parse_page
from pipeline.processor import DEFAULT_TOPICS_FILE, Processor, load_tagger
from processing.normalize import text_hash
from storage.db import make_engine, session_scope
from storage.models import Article, ArticleTag
from storage.records import ArticleRecord
from tests.conftest import SEEDS_DIR
from tests.site import NosSite

PAGE = (
    b"<html><head><title>Loekasjenko bij Poetin</title></head><body><article><h1>Loekasjenko "
    b"bij Poetin</h1><p>Loekasjenko en Poetin bespreken in Sotsji de Uniestaat van Rusland en "
    b"Belarus. De twee leiders spraken ook over gezamenlijke militaire oefeningen en nieuwe "
    b"Russische kernwapens in Belarus, meldt het Kremlin na afloop van het gesprek.</p>"
    b"</article></body></html>"
)


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


def test_a_pickled_tagger_tags_like_the_original() -> None:
    tagger = load_tagger(DEFAULT_TOPICS_FILE, SEEDS_DIR)
    copy = pickle.loads(pickle.dumps(tagger))
    parsed = parse_page(PAGE, "text/html; charset=utf-8", "https://nos.nl/artikel/1-a", None, copy)
    assert parsed.page is not None and parsed.tags is not None
    assert parsed.tags == tagger.tag(f"{parsed.title}\n{parsed.page.text}")
    assert parsed.tags.relevant


def test_precomputed_tags_are_used_only_for_the_same_document(db: Engine) -> None:
    processor = Processor.from_topics_file()
    text = "Het weer wordt morgen zonnig en warm in het hele land. " * 3
    record = ArticleRecord("https://nos.nl/artikel/2-weer", "Weer", text, origin="rss")
    # Tags computed for another document (claiming relevance) must not be stored.
    stale = processor.tagger.tag("Loekasjenko en Poetin bespreken de Uniestaat.")
    assert stale.relevant
    wrong = Precomputed(text_hash(text), None, "Ander\n" + text, stale)
    with session_scope(db) as session:
        article = store_record(session, record, processor, wrong).article
        assert article.relevant is False
        assert not session.scalars(select(ArticleTag)).all()


def test_pages_parsed_in_threads_are_tagged_as_the_store_would(site: NosSite, db: Engine) -> None:
    config = site.sources_config()
    config = config.model_copy(
        update={"sources": tuple(s for s in config.sources if s.name == "nos-buitenland")}
    )
    ctx = IngestContext(db, config)
    report = run_ingest(ctx)
    assert report.sources["nos-buitenland"].new > 0
    tagger = ctx.new_processor().tagger  # the same taxonomy the run tagged with
    with session_scope(db) as session:
        for article in session.scalars(select(Article)):
            expected = tagger.tag(f"{article.title}\n{article.text}")
            assert article.relevant == expected.relevant
            assert {t.topic for t in article.tags} == {t.slug for t in expected.topics}
