"""Store a batch of extracted articles: the plainly new ones in bulk, the rest one by one.

Most pages an ingest fetches are new articles that duplicate nothing. For those,
:func:`pipeline.store.store_record` would only insert the row, its first version and its
tags, index the signature and (when relevant) assign a story; done per article through the
ORM, that bookkeeping costs more CPU than extracting the page. Here a batch is checked in
memory and with two queries, and such articles are inserted with four statements for the
lot. Anything else (a URL already stored, an exact or near duplicate, a page without worker
results) goes through ``store_record``, in the batch's order, so the outcome is the same as
storing the records one by one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from datasketch import MinHash
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from pipeline.processor import Processor
from pipeline.store import DUPLICATE, EMPTY_TEXT_HASH, Precomputed, assign_story, store_record
from processing.dedup import signature_from_bytes
from storage.articles import (
    INSERTED,
    NewArticle,
    articles_by_id,
    insert_new_articles,
    known_canonical_urls,
    known_text_hashes,
)
from storage.records import ArticleRecord
from storage.types import utcnow

log = logging.getLogger(__name__)


@dataclass(slots=True)
class BatchItem:
    """One record to store, with the worker's hash, signature and tags."""

    record: ArticleRecord
    precomputed: Precomputed | None
    label: str = ""  # how errors name the item (the listed URL)


@dataclass(slots=True)
class Stored:
    """What happened to one item: ``action`` as in ``store_record`` (None: it failed)."""

    action: str | None
    article_id: int | None = None
    duplicate: bool = False
    error: str | None = None


def store_batch(session: Session, items: Sequence[BatchItem], processor: Processor) -> list[Stored]:
    """Store ``items`` in order; one failing item never undoes the others."""
    processor.warm(session)
    stored_urls = known_canonical_urls(session, [item.record.canonical_url for item in items])
    stored_hashes = known_text_hashes(
        session, [item.precomputed.text_hash for item in items if item.precomputed is not None]
    )
    results: list[Stored | None] = [None] * len(items)
    pending: list[tuple[int, NewArticle, MinHash | None]] = []
    for position, item in enumerate(items):
        new = _plainly_new(item, processor, stored_urls, stored_hashes, pending)
        if new is not None:
            pending.append((position, new[0], new[1]))
            stored_urls.add(item.record.canonical_url)
            stored_hashes.add(new[0].text_hash)
            continue
        _insert_pending(session, processor, pending, results, items)
        results[position] = _store_one(session, processor, item)
        stored_urls.add(item.record.canonical_url)
        if item.precomputed is not None:
            stored_hashes.add(item.precomputed.text_hash)
    _insert_pending(session, processor, pending, results, items)
    return [result or Stored(None, error="not stored") for result in results]


def _plainly_new(
    item: BatchItem,
    processor: Processor,
    stored_urls: set[str],
    stored_hashes: set[str],
    pending: list[tuple[int, NewArticle, MinHash | None]],
) -> tuple[NewArticle, MinHash | None] | None:
    """The item as a :class:`NewArticle` when it is certainly new and nobody's duplicate."""
    record, pre = item.record, item.precomputed
    if pre is None or pre.tags is None or pre.document != f"{record.title}\n{record.text}":
        return None
    if record.canonical_url in stored_urls:
        return None
    if pre.text_hash != EMPTY_TEXT_HASH and pre.text_hash in stored_hashes:
        return None
    minhash = signature_from_bytes(pre.minhash) if pre.minhash else None
    if minhash is not None:
        if processor.near_dups.query(minhash):
            return None
        threshold = processor.near_dups.threshold
        for _, _, other in pending:
            # Any pair this close might be near duplicates: store_record decides.
            if other is not None and minhash.jaccard(other) >= threshold:
                return None
    tags = pre.tags
    new = NewArticle(record, pre.text_hash, pre.minhash, tags.topics, tags.relevant, tags.score)
    return new, minhash


def _insert_pending(
    session: Session,
    processor: Processor,
    pending: list[tuple[int, NewArticle, MinHash | None]],
    results: list[Stored | None],
    items: Sequence[BatchItem],
) -> None:
    """Insert the plainly new items gathered so far, then index and cluster them in order."""
    if not pending:
        return
    batch, pending[:] = list(pending), []
    indexed: list[int] = []
    try:
        with session.begin_nested():
            ids = insert_new_articles(session, [new for _, new, _ in batch])
            seen_at = utcnow()
            relevant: list[int] = []
            for (_, new, minhash), article_id in zip(batch, ids, strict=True):
                if minhash is not None:
                    processor.near_dups.add(article_id, minhash, seen_at)
                    indexed.append(article_id)
                if new.relevant:
                    relevant.append(article_id)
            if relevant:
                # One query for the lot, and one flush: a look-up per article would first flush
                # the previous article's story change, one UPDATE at a time. (Story look-ups
                # are by key, so they see unflushed changes; a full refresh flushes itself.)
                articles = articles_by_id(session, relevant)
                with session.no_autoflush:
                    for article_id in relevant:
                        assign_story(session, processor, articles[article_id])
            session.flush()
    except SQLAlchemyError as exc:
        # Most likely another process stored one of these URLs meanwhile: one by one instead.
        log.info("bulk insert of %d articles failed (%s); storing them one by one", len(batch), exc)
        for article_id in indexed:
            processor.near_dups.remove(article_id)
        for position, _, _ in batch:
            results[position] = _store_one(session, processor, items[position])
        return
    for (position, _, _), article_id in zip(batch, ids, strict=True):
        results[position] = Stored(INSERTED, article_id)


def _store_one(session: Session, processor: Processor, item: BatchItem) -> Stored:
    """``store_record`` in a savepoint; a database error is reported, not raised."""
    try:
        with session.begin_nested():
            result = store_record(session, item.record, processor, item.precomputed)
    except SQLAlchemyError as exc:
        log.exception("storing %s failed", item.record.canonical_url)
        return Stored(None, error=str(exc).splitlines()[0])
    article = result.article
    duplicate = result.action == DUPLICATE or article.duplicate_of is not None
    return Stored(result.action, article.id, duplicate=duplicate)
