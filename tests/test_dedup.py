"""Duplicate detection through the store path: exact, near, distinct, short, across processes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from pipeline.article_store import DUPLICATE, store_record
from pipeline.processor import Processor
from processing.dedup import signature, signature_from_bytes, signature_to_bytes
from storage.articles import INSERTED
from storage.db import session_scope
from storage.models import Article
from storage.records import ArticleRecord

WIRE = (
    "De Europese Unie heeft nieuwe sancties tegen Belarus aangekondigd vanwege de steun van het "
    "land aan de Russische oorlog tegen Oekraïne. De maatregelen treffen onder meer de export "
    "van hout, cement en staal naar de EU. Ook komen er extra namen op de sanctielijst, onder wie "
    "rechters en bestuurders van staatsbedrijven. Minsk noemt de sancties illegaal en dreigt met "
    "tegenmaatregelen. De Belarussische economie is sinds eerdere sancties sterk afhankelijk "
    "geworden van handel met Rusland en China."
)
OTHER = (
    "Belarussische bedrijven omzeilen de Europese sancties door hun producten via Rusland te "
    "exporteren. Dat blijkt uit onderzoek van een Litouwse denktank. Vooral kunstmest en "
    "houtproducten vinden zo hun weg naar Europese kopers, met Russische papieren. Sinds de "
    "sluiting van de haven van Klaipeda verscheept Minsk zijn kali via Sint-Petersburg."
)


def record(url: str, text: str, title: str = "Titel", day: int | None = 5) -> ArticleRecord:
    return ArticleRecord(
        canonical_url=url,
        url=url,
        title=title,
        text=text,
        origin="rss",
        published_at=datetime(2024, 3, day, 9, tzinfo=UTC) if day else None,
        date_precision="day" if day else "unknown",
    )


def store(engine: Engine, processor: Processor, rec: ArticleRecord) -> tuple[int, str]:
    with session_scope(engine) as session:
        result = store_record(session, rec, processor)
        return result.article.id, result.action


def test_exact_copy_at_another_url_is_a_duplicate(engine: Engine) -> None:
    processor = Processor.from_topics_file()
    first, action = store(engine, processor, record("https://a.example/1", WIRE))
    assert action == INSERTED
    copy = WIRE.upper().replace(".", " .")  # case, spacing and punctuation differ
    second, action = store(engine, processor, record("https://b.example/9", copy, day=6))
    assert action == DUPLICATE
    with session_scope(engine) as session:
        article = session.get(Article, second)
        assert article is not None and article.duplicate_of == first
        assert article.text == copy  # nothing is lost


def test_wire_copy_with_edits_is_a_near_duplicate(engine: Engine) -> None:
    processor = Processor.from_topics_file()
    first, _ = store(engine, processor, record("https://a.example/1", WIRE))
    edited = (
        WIRE.replace("aangekondigd", "afgekondigd").replace("Minsk noemt", "Minsk vindt")
        + "\n\nLitouwen had aangedrongen op een verbod op de doorvoer van kunstmest."
    )
    second, action = store(
        engine, processor, record("https://b.example/2", edited, title="Nieuwe EU-sancties")
    )
    assert action == DUPLICATE
    with session_scope(engine) as session:
        dup = session.get(Article, second)
        original = session.get(Article, first)
        assert dup is not None and original is not None
        assert dup.duplicate_of == first
        assert dup.story_id == original.story_id is not None
        assert dup.minhash is not None


def test_similar_but_distinct_articles_stay_apart(engine: Engine) -> None:
    processor = Processor.from_topics_file()
    store(engine, processor, record("https://a.example/1", WIRE))
    _, action = store(engine, processor, record("https://a.example/2", OTHER))
    assert action == INSERTED


def test_short_texts_get_no_signature_but_exact_dedup_still_works(engine: Engine) -> None:
    processor = Processor.from_topics_file()
    short = "Loekasjenko ontmoet Poetin."
    assert signature(short) is None
    first, _ = store(engine, processor, record("https://a.example/s", short))
    _, action = store(engine, processor, record("https://b.example/s", short))
    assert action == DUPLICATE
    with session_scope(engine) as session:
        assert session.get(Article, first).minhash is None  # type: ignore[union-attr]


def test_a_new_process_loads_signatures_instead_of_recomputing(engine: Engine) -> None:
    first, _ = store(engine, Processor.from_topics_file(), record("https://a.example/1", WIRE))
    fresh = Processor.from_topics_file()
    with session_scope(engine) as session:
        fresh.warm(session)
        stored = session.scalar(select(Article.minhash).where(Article.id == first))
    assert first in fresh.near_dups
    assert stored is not None
    assert signature_from_bytes(stored).jaccard(signature(WIRE)) == 1.0
    _, action = store(engine, fresh, record("https://c.example/3", WIRE + " (ANP)"))
    assert action == DUPLICATE


def test_an_earlier_published_copy_becomes_the_original(engine: Engine) -> None:
    processor = Processor.from_topics_file()
    later, _ = store(engine, processor, record("https://a.example/late", WIRE, day=9))
    earlier, action = store(engine, processor, record("https://b.example/early", WIRE, day=2))
    assert action == DUPLICATE
    with session_scope(engine) as session:
        assert session.get(Article, earlier).duplicate_of is None  # type: ignore[union-attr]
        assert session.get(Article, later).duplicate_of == earlier  # type: ignore[union-attr]


def test_signature_bytes_round_trip() -> None:
    minhash = signature(WIRE)
    assert minhash is not None
    data = signature_to_bytes(minhash)
    assert len(data) == 128 * 8
    assert signature_from_bytes(data).jaccard(minhash) == 1.0


def test_index_remove_and_window_eviction() -> None:
    from datetime import timedelta

    from processing.dedup import NearDupIndex

    index = NearDupIndex()
    first, second = signature(WIRE), signature(WIRE + " Extra zin aan het eind.")
    assert first is not None and second is not None
    old = datetime(2024, 3, 1, tzinfo=UTC)
    index.add(1, first, old)
    index.add(2, first, old + timedelta(days=20))  # same signature, another key
    assert [d.key for d in index.query(second)] == [1, 2]
    index.remove(1)
    assert [d.key for d in index.query(second)] == [2]
    index.add(1, first, old)
    assert index.evict_before(old + timedelta(days=1)) == 1
    assert 1 not in index and 2 in index and len(index) == 1
    assert [d.key for d in index.query(second, exclude=[2])] == []


def test_index_re_adding_a_key_replaces_its_signature() -> None:
    from processing.dedup import NearDupIndex

    index = NearDupIndex()
    wire, other = signature(WIRE), signature(OTHER)
    assert wire is not None and other is not None
    index.add(7, wire)
    index.add(7, other)
    assert len(index) == 1
    assert index.query(wire) == []
    assert [d.key for d in index.query(other)] == [7]
    index.remove(7)
    index.remove(7)  # forgetting twice is harmless
    assert len(index) == 0 and index.query(other) == []


def test_original_precedence_date_then_source_priority(engine: Engine) -> None:
    from storage.dedup import precedence
    from storage.sources import get_or_create_source

    def article(url: str, source_id: int, published: datetime | None, precision: str) -> Article:
        return Article(
            canonical_url=url,
            title=url,
            text="x",
            text_hash=url,
            origin="rss",
            source_id=source_id,
            published_at=published,
            date_precision=precision,
        )

    with session_scope(engine) as session:
        wire = get_or_create_source(session, "wire", kind="rss", priority=50)
        nos = get_or_create_source(session, "nos", kind="rss", priority=5)
        noon = datetime(2022, 10, 12, 12, tzinfo=UTC)
        rows = [
            article("u:unknown", nos.id, None, "unknown"),
            article("u:month", nos.id, datetime(2022, 10, 1, tzinfo=UTC), "month"),
            article("u:wire", wire.id, noon, "day"),
            article("u:nos", nos.id, noon, "day"),
        ]
        session.add_all(rows)
        session.flush()
        ranked = sorted(rows, key=lambda a: precedence(session, a))
        # Same moment: the higher-priority source (lower number) wins; "October" only counts
        # as the end of October; no date comes last.
        assert [a.canonical_url for a in ranked] == ["u:nos", "u:wire", "u:month", "u:unknown"]
