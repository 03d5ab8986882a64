"""Store articles: the single path every origin (seed, feed, archive) goes through.

One record (:func:`store_record`): upsert by canonical URL (a changed text becomes a new
version) → tags → exact duplicate by normalised-text hash → near-duplicate by MinHash/LSH →
story (relevant articles only). A duplicate is stored with ``duplicate_of`` set to its group's
original and joins its story, so nothing is lost and the digest shows each story once. An
ingest batch (:func:`store_batch`): the plainly new articles (most of them) in four statements
for the lot, the rest through ``store_record`` in order: the same outcome as one by one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from datasketch import MinHash
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from pipeline.processor import Processor
from processing.dedup import signature, signature_from_bytes, signature_to_bytes
from processing.identity import StoredText, shared_claims, trust_canonical
from processing.normalize import text_hash
from processing.stories import date_interval, lead_words, story_vector
from processing.tagging import TagResult
from processing.temporal import month_hint
from processing.urls import canonicalize_url
from storage.aliases import articles_by_alias
from storage.articles import (
    INSERTED,
    NEW_VERSION,
    UNCHANGED,
    NewArticle,
    articles_by_id,
    insert_new_articles,
    known_canonical_urls,
    known_text_hashes,
    stored_texts,
    upsert_article,
)
from storage.dedup import find_same_text, lock_texts, make_original, original_of, precedence
from storage.fetchlog import fetched_page_urls
from storage.models import Article, Story
from storage.records import ArticleRecord
from storage.stories import create_story, join_story, refresh_story, widen_span
from storage.tags import replace_tags
from storage.types import utcnow

log = logging.getLogger(__name__)

EMPTY_TEXT_HASH = text_hash("")  # the hash of a text without any words

DUPLICATE = "duplicate"
__all__ = [
    "DUPLICATE",
    "EMPTY_TEXT_HASH",
    "INSERTED",
    "NEW_VERSION",
    "UNCHANGED",
    "BatchItem",
    "Precomputed",
    "StoreResult",
    "Stored",
    "assign_story",
    "canonical_of_aliases",
    "settle_identities",
    "store_batch",
    "store_record",
]


@dataclass(slots=True, frozen=True)
class Precomputed:
    """The record text's hash and MinHash bytes (None: too short), and optionally the tags of
    ``document`` (title, newline, text), computed elsewhere (the parsing worker) so the store
    does not redo them. The tags are used only if the stored article's document is the same."""

    text_hash: str
    minhash: bytes | None
    document: str | None = None
    tags: TagResult | None = None


@dataclass(slots=True)
class StoreResult:
    """What :func:`store_record` did: the row and new | known | updated | duplicate."""

    article: Article
    action: str


def store_record(
    session: Session,
    record: ArticleRecord,
    processor: Processor | None = None,
    precomputed: Precomputed | None = None,
) -> StoreResult:
    """Upsert ``record`` (idempotent), then dedup, cluster and tag it.

    Pass one :class:`Processor` per run; without one a default is built from
    ``config/topics.toml`` and warmed from this session's database (slower). ``precomputed``
    must describe ``record.text`` exactly (the ingest core gets it from the parsing worker).
    """
    processor = processor or Processor.from_topics_file()
    processor.warm(session)
    digest = precomputed.text_hash if precomputed else text_hash(record.text)
    # Not flushed yet: minhash and tags of a new article go out with it in one flush.
    upserted = upsert_article(session, record, digest, flush=False)
    article = upserted.article
    if upserted.action == UNCHANGED and article.relevant is not None:
        return StoreResult(article, UNCHANGED)
    if precomputed is None:
        minhash = signature(record.text)
        article.minhash = signature_to_bytes(minhash) if minhash is not None else None
    else:
        minhash = signature_from_bytes(precomputed.minhash) if precomputed.minhash else None
        article.minhash = precomputed.minhash
    _tag(session, processor, article, precomputed)
    session.flush()
    if upserted.action == NEW_VERSION:
        if article.duplicate_of is None and minhash is not None:
            processor.near_dups.add(article.id, minhash, article.first_seen_at)
        if article.duplicate_of is None and article.story_id is None:
            assign_story(session, processor, article)  # it may have become relevant
        session.flush()
        return StoreResult(article, NEW_VERSION)

    result = _dedup(session, processor, article, minhash)
    if result is not None:
        return result
    if minhash is not None:
        processor.near_dups.add(article.id, minhash, article.first_seen_at)
    assign_story(session, processor, article)
    session.flush()
    return StoreResult(article, upserted.action)


def _tag(
    session: Session, processor: Processor, article: Article, precomputed: Precomputed | None
) -> None:
    document = f"{article.title}\n{article.text}"
    if (
        precomputed is not None
        and precomputed.tags is not None
        and precomputed.document == document
    ):
        tags = precomputed.tags
    else:
        tags = processor.tagger.tag(document)
    replace_tags(session, article, tags.topics, tags.relevant, tags.score, flush=False)


def _dedup(
    session: Session, processor: Processor, article: Article, minhash: MinHash | None
) -> StoreResult | None:
    """Mark ``article`` as a duplicate of its group's original, if it is one.

    An article without any words (a failed extraction) is nobody's duplicate. Its text hash
    is that of the empty normalised text, so the check needs no second normalisation.
    """
    if article.text_hash == EMPTY_TEXT_HASH:
        return None
    kind = "exact"
    match = find_same_text(session, article.text_hash, article.id)
    if match is None and minhash is not None:
        for hit in processor.near_dups.query(minhash, exclude=[article.id]):
            candidate = session.get(Article, hit.key)
            if candidate is None:  # rolled back after it was indexed
                processor.near_dups.remove(hit.key)
                continue
            match, kind = candidate, "near"
            break
    if match is None:
        return None
    original = original_of(session, match)
    if precedence(session, article) < precedence(session, original):
        # The newcomer was published earlier (a backfill): it becomes the original.
        article.story_id = original.story_id
        make_original(session, article, original)
        processor.near_dups.remove(original.id)
        if minhash is not None:
            processor.near_dups.add(article.id, minhash, article.first_seen_at)
        if article.story_id is not None:
            story = session.get(Story, article.story_id)
            if story is not None:
                refresh_story(session, story)
    else:
        article.duplicate_of = original.id
        article.story_id = original.story_id
        if article.story_id is not None and article.published_at is not None:
            story = session.get(Story, article.story_id)
            if story is not None:  # a member now: its date counts in the story's span
                widen_span(story, article.published_at)
    session.flush()
    log.info("article %s is a %s duplicate of %s", article.id, kind, original.id)
    return StoreResult(article, DUPLICATE)


def assign_story(session: Session, processor: Processor, article: Article) -> None:
    """Join the best matching story in the window, or start a new one.

    Only relevant articles get a story: the digest groups only those, and a story per
    off-beat article would flood the table and slow every match.
    """
    if not article.relevant:
        return
    document = f"{article.title}\n{article.text}"
    vector = story_vector(document)
    if not vector:
        return  # no content words: nothing to cluster on
    interval = date_interval(article.published_at, article.date_precision)
    hint = month_hint(article.text) if interval is None else None
    match = processor.stories.match(vector, interval, hint, lead_words(document))
    story = session.get(Story, match.story_id) if match.story_id is not None else None
    if story is None:
        story = create_story(session, article)
        state = processor.stories.add(story.id, vector, interval, hint)
        story.centroid = state.to_json()
        session.flush()
        return
    state = processor.stories.add(story.id, vector, interval, hint)
    join_story(session, story, article, state.to_json())


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
    """Store ``items`` in order; one failing item never undoes the others. Their texts are
    locked first (``storage.dedup.lock_texts``), so another process storing one of them at the
    same time waits, and the index is warmed after: it then sees that process's rows."""
    lock_texts(session, [_hash_of(item) for item in items])
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


def settle_identities(
    session: Session,
    pages: Sequence[tuple[BatchItem, str]],
    pattern: re.Pattern[str] | None,
) -> None:
    """Give each page (its item, the URL it was read from) whose ``rel=canonical`` is not
    proven its own URL back, in place, before the batch is stored.

    A canonical is a claim (``processing.identity``): ignored when it names another article's
    text (stored, or another page of this batch), a page never read (a forward canonical does
    not make that URL known; fetched later, it is its own article), or when pages of the batch
    with different texts share it (a section front of a broken template). Conflicts are logged.
    """
    texts = [_text_identity(item) for item, _ in pages]
    read_here = {canonicalize_url(url): text for (_, url), text in zip(pages, texts, strict=True)}
    doubtful = [
        i
        for i, (item, url) in enumerate(pages)
        if canonicalize_url(url) != item.record.canonical_url
    ]
    named = sorted({pages[i][0].record.canonical_url for i in doubtful})
    stored = {url: StoredText(*found) for url, found in stored_texts(session, named).items()}
    fetched = fetched_page_urls(session, named) | set(read_here)
    accepted: list[int] = []
    for i in doubtful:
        (item, url), text = pages[i], texts[i]
        canonical = item.record.canonical_url
        seen = stored.get(canonical) or read_here.get(canonical)
        reason = trust_canonical(
            url, canonical, seen, text.text_hash, text.minhash, pattern, canonical in fetched
        )
        if reason is None:
            accepted.append(i)
        else:
            _keep_own_url(item, url, reason)
    claims = [(pages[i][0].record.canonical_url, texts[i]) for i in accepted]
    for index in shared_claims(claims):
        item, url = pages[accepted[index]]
        _keep_own_url(item, url, "pages with other texts name it too")


def _hash_of(item: BatchItem) -> str:
    return item.precomputed.text_hash if item.precomputed else text_hash(item.record.text)


def _text_identity(item: BatchItem) -> StoredText:
    if item.precomputed is not None:
        return StoredText(item.precomputed.text_hash, item.precomputed.minhash)
    computed = signature(item.record.text)
    minhash = signature_to_bytes(computed) if computed else None
    return StoredText(text_hash(item.record.text), minhash)


def _keep_own_url(item: BatchItem, page_url: str, reason: str) -> None:
    line = f"{page_url}: rel=canonical {item.record.canonical_url} ignored ({reason})"
    log.warning("canonical conflict: %s", line)
    item.record.canonical_url = canonicalize_url(page_url)


def canonical_of_aliases(session: Session, reached: Sequence[Sequence[str]]) -> list[str | None]:
    """Per list of URLs a page was listed and reached under, the canonical URL of the stored
    article one of them is an alias of (a teaser read at last, a re-check), else None."""
    found = articles_by_alias(session, [url for urls in reached for url in urls])
    out: list[str | None] = []
    for urls in reached:
        ids = [found[url] for url in urls if url in found]
        article = session.get(Article, ids[0]) if ids else None
        out.append(article.canonical_url if article is not None else None)
    return out
