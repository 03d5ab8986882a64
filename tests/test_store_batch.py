"""Storing a batch gives what storing its records one by one gives, and loses nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, select

from pipeline.article_store import (
    INSERTED,
    NEW_VERSION,
    UNCHANGED,
    BatchItem,
    Precomputed,
    Stored,
    store_batch,
    store_record,
)
from pipeline.processor import Processor
from processing.dedup import hash_and_signature, signature_to_bytes
from scrapers.seedfiles import load_seed_dir
from storage.db import make_engine, session_scope
from storage.models import Article, ArticleTag, ArticleVersion
from storage.records import ArticleRecord
from tests.conftest import SEEDS_DIR
from tests.databases import migrated_sqlite_url
from tests.site.generated import COPY_EVERY, generated_article


def precompute(record: ArticleRecord, processor: Processor) -> Precomputed:
    """What the parsing worker sends along with a page."""
    digest, minhash = hash_and_signature(record.text)
    document = f"{record.title}\n{record.text}"
    return Precomputed(
        digest,
        signature_to_bytes(minhash) if minhash is not None else None,
        document,
        processor.tagger.tag(document),
    )


def generated_record(n: int) -> ArticleRecord:
    article = generated_article(n)
    url = f"https://nos.nl/artikel/{9_000_000 + n}"
    text = "\n".join((article.lead, *article.paragraphs))
    return ArticleRecord(url, article.title, text, "rss", url=url, source_name="nos-algemeen")


def seed_records() -> list[ArticleRecord]:
    loaded = load_seed_dir(SEEDS_DIR)
    return [
        ArticleRecord(
            f"https://nos.nl/artikel/seed-{a.seed_file[:3]}",
            a.title,
            a.text,
            "rss",
            source_name="nos-buitenland",
            published_at=a.published_at,
            date_precision=a.date_precision,
        )
        for a in loaded.articles
    ]


def batch_records() -> tuple[list[ArticleRecord], list[ArticleRecord]]:
    """(stored before, the batch): new, beat, exact and near duplicates, known and changed URLs."""
    seeds = seed_records()
    plain = [generated_record(n) for n in range(1, 9)]
    near = plain[4].text.replace("meldt bericht 5", "meldt bericht vijf").split("\n")
    shorter_6 = "\n".join(plain[5].text.split("\n")[:-1])
    before = [
        plain[0],
        seeds[0],
        replace(plain[1], text=plain[1].text + "\nEen oude versie."),
        replace(plain[5], canonical_url="https://nos.nl/artikel/eerder-6", text=shorter_6),
    ]
    batch = [
        plain[0],  # known, unchanged
        plain[1],  # known, text changed: a new version
        plain[2],
        *seeds[1:],  # beat articles: stories (000+001+002 together)
        plain[3],
        replace(plain[3], canonical_url="https://nos.nl/artikel/kopie-4", url=None),  # exact
        plain[4],
        replace(
            plain[4],
            canonical_url="https://nos.nl/artikel/bijna-5",
            text="\n".join(near[:-1]),  # near duplicate: one paragraph fewer
        ),
        replace(seeds[0], canonical_url="https://nos.nl/artikel/seed-kopie"),  # stored before
        *plain[5:],  # the first is a near duplicate of one stored before
    ]
    return before, batch


def outcome(engine: Engine) -> dict[str, tuple[object, ...]]:
    """Every article by URL: duplicate-of URL, story partner URLs, relevance, tags, versions."""
    with session_scope(engine) as session:
        articles = list(session.scalars(select(Article).order_by(Article.id)))
        url_of = {a.id: a.canonical_url for a in articles}
        members: dict[int | None, list[str]] = {}
        for a in articles:
            members.setdefault(a.story_id, []).append(a.canonical_url)
        tags = {
            (t.article_id, t.topic, t.score, len(t.evidence))
            for t in session.scalars(select(ArticleTag))
        }
        versions = {(v.article_id, v.version) for v in session.scalars(select(ArticleVersion))}
        return {
            a.canonical_url: (
                url_of.get(a.duplicate_of) if a.duplicate_of else None,
                tuple(members[a.story_id]) if a.story_id is not None else None,
                a.relevant,
                a.relevance_score,
                a.text_hash,
                a.minhash,
                a.version,
                a.source_id is not None,
                sorted((topic, score, n) for i, topic, score, n in tags if i == a.id),
                sorted(v for i, v in versions if i == a.id),
            )
            for a in articles
        }


@pytest.fixture
def reference(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(migrated_sqlite_url(tmp_path / "one-by-one"))
    yield engine
    engine.dispose()


def store_each(engine: Engine, records: list[ArticleRecord], processor: Processor) -> list[str]:
    actions = []
    with session_scope(engine) as session:
        for record in records:
            actions.append(
                store_record(session, record, processor, precompute(record, processor)).action
            )
    return actions


def test_a_batch_stores_what_one_by_one_stores(engine: Engine, reference: Engine) -> None:
    before, batch = batch_records()
    one_by_one = Processor.from_topics_file()
    store_each(reference, before, one_by_one)
    expected_actions = store_each(reference, batch, one_by_one)

    processor = Processor.from_topics_file()
    store_each(engine, before, processor)
    with session_scope(engine) as session:
        items = [BatchItem(r, precompute(r, processor), label=r.canonical_url) for r in batch]
        results = store_batch(session, items, processor)

    assert [r.action for r in results] == expected_actions
    assert expected_actions[:3] == [UNCHANGED, NEW_VERSION, INSERTED]
    # exact and near copies within the batch, and of articles stored before
    assert expected_actions.count("duplicate") == 4
    assert all(r.article_id is not None for r in results)
    assert outcome(engine) == outcome(reference)
    stories = {v[1] for v in outcome(engine).values() if v[1] is not None}
    assert any(len(m) >= 3 for m in stories)  # the seeds' story, with its copy


def test_the_same_processor_state_follows_a_batch(engine: Engine, reference: Engine) -> None:
    """A later article is matched against what the batch indexed (near duplicates, stories)."""
    _, batch = batch_records()
    late = replace(generated_record(7), canonical_url="https://nos.nl/artikel/laat-7")
    one_by_one = Processor.from_topics_file()
    expected = store_each(reference, [*batch, late], one_by_one)
    processor = Processor.from_topics_file()
    with session_scope(engine) as session:
        items = [BatchItem(r, precompute(r, processor)) for r in batch]
        store_batch(session, items, processor)
    assert store_each(engine, [late], processor) == expected[-1:] == ["duplicate"]
    assert outcome(engine) == outcome(reference)


def test_a_bad_record_fails_alone_and_the_batch_is_stored(engine: Engine) -> None:
    processor = Processor.from_topics_file()
    good = [generated_record(n) for n in (11, 12, 13)]
    bad = replace(generated_record(14), title=None)  # type: ignore[arg-type]  # NOT NULL
    items = [BatchItem(r, precompute(r, processor)) for r in (good[0], bad, *good[1:])]
    with session_scope(engine) as session:
        results = store_batch(session, items, processor)
    assert [r.action for r in results] == [INSERTED, None, INSERTED, INSERTED]
    failed = results[1]
    assert isinstance(failed, Stored) and failed.error and failed.article_id is None
    with session_scope(engine) as session:
        stored = set(session.scalars(select(Article.canonical_url)))
    assert stored == {r.canonical_url for r in good}
    assert len(processor.near_dups) == 3  # the failed record left nothing in the index


def statements_to_store(engine: Engine, numbers: list[int]) -> int:
    """How many SQL statements storing these generated articles as one batch sends."""
    processor = Processor.from_topics_file()
    records = [generated_record(n) for n in numbers]
    items = [BatchItem(r, precompute(r, processor)) for r in records]
    sent: list[str] = []

    def count(*args: object) -> None:
        sent.append(str(args[2]))

    with session_scope(engine) as session:
        processor.warm(session)
        event.listen(engine, "before_cursor_execute", count)
        try:
            results = store_batch(session, items, processor)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert [r.action for r in results] == [INSERTED] * len(records)
    ids = [r.article_id for r in results]
    with session_scope(engine) as session:
        stored = list(session.scalars(select(Article).where(Article.id.in_(ids))))
    on_beat = [a for a in stored if a.relevant]
    assert len(on_beat) >= 2 and all(a.story_id is not None for a in on_beat)
    return len(sent)


def test_a_batch_of_new_articles_costs_the_same_statements_whatever_its_size(
    engine: Engine,
) -> None:
    """New articles are inserted, indexed and put in stories with statements for the lot (one
    insert per table, one flush of the story changes), not a round of statements per article."""
    distinct = [n for n in range(21, 91) if n % COPY_EVERY]  # no wire copies
    small = statements_to_store(engine, distinct[:14])
    large = statements_to_store(engine, distinct[14:])  # four times as many, joining its story
    assert large <= small
