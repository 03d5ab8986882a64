"""Store one extracted article: the single path every origin (seed, feed, archive) goes through.

Order: upsert by canonical URL (a changed text becomes a new version) → tags → exact
duplicate by normalised-text hash → near-duplicate by MinHash/LSH → story (relevant articles
only). A duplicate is stored with ``duplicate_of`` set to its group's original and joins the
original's story, so nothing is lost and the digest shows each story once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from datasketch import MinHash
from sqlalchemy.orm import Session

from pipeline.processor import Processor
from processing.dedup import signature, signature_from_bytes, signature_to_bytes
from processing.normalize import text_hash
from processing.stories import date_interval, lead_words, story_vector
from processing.tagging import TagResult
from processing.temporal import month_hint
from storage.articles import INSERTED, NEW_VERSION, UNCHANGED, upsert_article
from storage.dedup import find_same_text, make_original, original_of, precedence
from storage.models import Article, Story
from storage.records import ArticleRecord
from storage.stories import create_story, join_story, refresh_story, widen_span
from storage.tags import replace_tags

log = logging.getLogger(__name__)

EMPTY_TEXT_HASH = text_hash("")  # the hash of a text without any words

DUPLICATE = "duplicate"
__all__ = [
    "DUPLICATE",
    "EMPTY_TEXT_HASH",
    "INSERTED",
    "NEW_VERSION",
    "UNCHANGED",
    "Precomputed",
    "StoreResult",
    "assign_story",
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
    duplicate_kind: str | None = None  # exact | near
    similarity: float | None = None


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
    kind, similarity = "exact", 1.0
    match = find_same_text(session, article.text_hash, article.id)
    if match is None and minhash is not None:
        for hit in processor.near_dups.query(minhash, exclude=[article.id]):
            candidate = session.get(Article, hit.key)
            if candidate is None:  # rolled back after it was indexed
                processor.near_dups.remove(hit.key)
                continue
            match, kind, similarity = candidate, "near", hit.jaccard
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
    return StoreResult(article, DUPLICATE, kind, similarity)


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
