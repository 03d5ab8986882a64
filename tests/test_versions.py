"""Changed text at a known URL: a new version (not a new article), re-signed and re-tagged."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from pipeline.article_store import store_record
from pipeline.processor import Processor
from storage.articles import INSERTED, NEW_VERSION, UNCHANGED
from storage.db import session_scope
from storage.models import Article, ArticleTag, ArticleVersion
from storage.records import ArticleRecord

URL = "https://nos.nl/artikel/1-test"
BEFORE = "Het weer wordt morgen zonnig in het hele land, met temperaturen tot twintig graden."
AFTER = (
    "Loekasjenko en Poetin ontmoeten elkaar morgen in Minsk. Volgens het Kremlin gaat het over "
    "de Uniestaat en over Russische kernwapens in Belarus."
)


def test_changed_text_is_a_new_version_and_is_retagged(engine: Engine) -> None:
    processor = Processor.from_topics_file()
    actions = []
    for text in (BEFORE, BEFORE, AFTER):
        with session_scope(engine) as session:
            rec = ArticleRecord(canonical_url=URL, url=URL, title="Nieuws", text=text, origin="rss")
            actions.append(store_record(session, rec, processor).action)
    assert actions == [INSERTED, UNCHANGED, NEW_VERSION]
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 1
        article = session.scalars(select(Article)).one()
        assert article.version == 2 and article.text == AFTER
        versions = session.scalars(select(ArticleVersion).order_by(ArticleVersion.version)).all()
        assert [v.text for v in versions] == [BEFORE, AFTER]
        assert article.relevant is True
        topics = set(session.scalars(select(ArticleTag.topic)))
        assert {"belarus-russia", "nuclear-weapons", "union-state"} <= topics
