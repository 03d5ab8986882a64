"""Backtest and apply a taxonomy to the stored articles (``newsmon rules test`` / ``retag``).

Both read the articles in id-ordered chunks and tag them (in worker processes when asked:
tagging is CPU-bound, and 100,000 articles would keep one core busy for over a minute).
The backtest only compares and counts. Retag writes each chunk's changes in one committed
transaction: tags and relevance, then stories (an article that became relevant joins or
starts one, one that stopped leaves its story with its duplicates; an emptied story is
deleted). Unchanged articles are never written, so a second run, or a killed run started
again, ends in the same state.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pipeline.article_store import assign_story
from pipeline.processor import Processor
from processing.stories import StoryClusterer, StoryState, date_interval, story_vector
from processing.story_window import StoryWeeks
from processing.tag_changes import RuleTally, StoredTag, StoredTags, TagChange, TopicCounts, compare
from processing.tagging import Tagger, TagResult
from processing.temporal import month_hint
from storage.db import session_scope
from storage.models import Article, Story
from storage.stories import leave_story, refresh_story, stories_with_centroid, story_members
from storage.tag_chunks import (
    StoredArticle,
    TagWrite,
    articles_after,
    count_articles_since,
    duplicates_of,
    write_tags,
)

CHUNK_SIZE = 500
Progress = Callable[[int, int], None]  # (articles done, articles in total)


def default_workers() -> int:
    """Tagging processes: one per core, at most two (the machine's size; more only queue)."""
    return max(1, min(2, os.cpu_count() or 1))


@dataclass(slots=True)
class Backtest:
    """What a taxonomy would change: counts per topic and per rule, and the changed total."""

    articles: int = 0
    changed: int = 0
    relevant_before: int = 0
    relevant_after: int = 0
    topics: TopicCounts = field(default_factory=TopicCounts)
    rules: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The last line of ``newsmon rules test --json``."""
        return {
            "articles": self.articles,
            "changed": self.changed,
            "relevant_before": self.relevant_before,
            "relevant_after": self.relevant_after,
            "rules": self.rules,
        }


@dataclass(slots=True)
class RetagReport:
    """What a retag wrote."""

    articles: int = 0
    changed: int = 0
    became_relevant: int = 0
    stopped_relevant: int = 0
    stories_created: int = 0
    stories_joined: int = 0
    stories_left: int = 0
    stories_deleted: int = 0


def backtest(
    engine: Engine,
    tagger: Tagger,
    since: datetime | None = None,
    *,
    on_change: Callable[[TagChange], None] | None = None,
    on_progress: Progress | None = None,
    workers: int = 1,
    chunk_size: int = CHUNK_SIZE,
) -> Backtest:
    """Tag the stored articles with ``tagger`` and compare; writes nothing."""
    result = Backtest()
    tally = RuleTally()
    for rows, tags in _tagged_chunks(engine, tagger, since, workers, chunk_size, on_progress):
        for row, tagged in zip(rows, tags, strict=True):
            before = _stored(row)
            result.articles += 1
            result.relevant_before += bool(row.relevant)
            result.relevant_after += tagged.relevant
            result.topics.add(before, tagged)
            tally.add(tagged)
            change = compare(row.id, row.title, before, tagged)
            if change is not None:
                result.changed += 1
                if on_change is not None:
                    on_change(change)
    result.rules = tally.rows(tagger.taxonomy)
    return result


def retag(
    engine: Engine,
    tagger: Tagger,
    since: datetime | None = None,
    *,
    on_progress: Progress | None = None,
    workers: int = 1,
    chunk_size: int = CHUNK_SIZE,
) -> RetagReport:
    """Store what ``tagger`` makes of the stored articles, and keep stories in step."""
    report = RetagReport()
    keeper = _StoryKeeper(Processor(tagger=tagger), report)
    with session_scope(engine) as session:
        keeper.load(session)
    for rows, tags in _tagged_chunks(engine, tagger, since, workers, chunk_size, on_progress):
        report.articles += len(rows)
        writes: list[TagWrite] = []
        for row, tagged in zip(rows, tags, strict=True):
            if compare(row.id, row.title, _stored(row), tagged) is None:
                continue
            writes.append(TagWrite(row.id, tagged.relevant, tagged.score, tagged.topics))
            report.became_relevant += tagged.relevant and not row.relevant
            report.stopped_relevant += bool(row.relevant) and not tagged.relevant
        if not writes:
            continue
        report.changed += len(writes)
        with session_scope(engine) as session:  # one committed transaction per chunk
            write_tags(session, writes)
            for write in writes:
                keeper.settle(session, write.article_id)
    return report


def _stored(row: StoredArticle) -> StoredTags:
    return StoredTags(row.relevant, row.relevance_score, [StoredTag(*tag) for tag in row.tags])


def _tag_chunk(tagger: Tagger, documents: list[str]) -> list[TagResult]:
    """Tag one chunk (runs in a worker process when there are workers)."""
    return [tagger.tag(document) for document in documents]


def _tagged_chunks(
    engine: Engine,
    tagger: Tagger,
    since: datetime | None,
    workers: int,
    chunk_size: int,
    on_progress: Progress | None,
) -> Iterator[tuple[list[StoredArticle], list[TagResult]]]:
    """Chunks of stored articles in id order with their new tags; reading runs ahead of
    tagging by a chunk per worker, so the workers never wait for the database."""
    with session_scope(engine) as session:
        total = count_articles_since(session, since)
    pool: Executor | None = None
    if workers > 1 and total > chunk_size:
        context = multiprocessing.get_context("spawn")  # no fork of a threaded process
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    pending: deque[tuple[list[StoredArticle], Future[list[TagResult]] | list[TagResult]]]
    pending = deque()
    after, done, exhausted = 0, 0, False
    try:
        while pending or not exhausted:
            while not exhausted and len(pending) <= (workers if pool else 0):
                with session_scope(engine) as session:
                    rows = articles_after(session, after, chunk_size, since)
                if not rows:
                    exhausted = True
                    break
                after = rows[-1].id
                documents = [f"{row.title}\n{row.text}" for row in rows]
                for row in rows:
                    row.text = ""  # the documents hold the text; keep one copy in memory
                if pool is not None:
                    pending.append((rows, pool.submit(_tag_chunk, tagger, documents)))
                else:
                    pending.append((rows, _tag_chunk(tagger, documents)))
            if not pending:
                break
            ready, outcome = pending.popleft()
            tags = outcome.result() if isinstance(outcome, Future) else outcome
            yield ready, tags
            done += len(ready)
            if on_progress is not None:
                on_progress(done, total)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


class _StoryKeeper:
    """Keeps story membership in step with relevance, with the store's own story code."""

    def __init__(self, processor: Processor, report: RetagReport) -> None:
        self.processor = processor
        self.report = report
        self.weeks = StoryWeeks(processor.stories.window_days)

    def load(self, session: Session) -> None:
        """Every stored story a newly relevant article could join."""
        for story in stories_with_centroid(session):
            self._remember(story)

    def settle(self, session: Session, article_id: int) -> None:
        """Join or leave a story as the article's new relevance asks (originals only: a
        duplicate follows its original)."""
        article = session.get(Article, article_id)
        if article is None or article.duplicate_of is not None:
            return
        if article.relevant and article.story_id is None:
            self._join(session, article)
        elif not article.relevant and article.story_id is not None:
            self._leave(session, article)

    def _join(self, session: Session, article: Article) -> None:
        clusterer = self.processor.stories
        known = set(clusterer.stories)
        # Only the stories near the article's date (the same match as over all of them).
        near = self.weeks.candidates(date_interval(article.published_at, article.date_precision))
        if near is not None:
            subset = {i: clusterer.stories[i] for i in sorted(near) if i in clusterer.stories}
            clusterer = StoryClusterer(clusterer.threshold, clusterer.window_days, subset)
        full, self.processor.stories = self.processor.stories, clusterer
        try:
            assign_story(session, self.processor, article)
        finally:
            self.processor.stories = full
        story = session.get(Story, article.story_id) if article.story_id is not None else None
        if story is None:
            return  # no content words to cluster on
        if story.id in known:
            self.report.stories_joined += 1
        else:
            self.report.stories_created += 1
        duplicates = duplicates_of(session, article.id)
        for duplicate in duplicates:
            duplicate.story_id = story.id
        if duplicates:
            refresh_story(session, story)
        self._remember(story)

    def _leave(self, session: Session, article: Article) -> None:
        story = session.get(Story, article.story_id)
        if story is None:
            article.story_id = None
            return
        self.report.stories_left += 1
        story_id = story.id
        if leave_story(session, story, [article, *duplicates_of(session, article.id)]):
            self.report.stories_deleted += 1
            self.processor.stories.stories.pop(story_id, None)
            return
        story.centroid = _centroid(story_id, story_members(session, story_id))
        session.flush()
        self._remember(story)

    def _remember(self, story: Story) -> None:
        """Match later articles against the story as stored (what a resumed run would load)."""
        if story.centroid:
            state = StoryState.from_json(story.id, story.centroid)
            self.processor.stories.load(state)
            self.weeks.file(state)


def _centroid(story_id: int, members: list[Article]) -> dict[str, Any]:
    """The centroid of a story's remaining members (originals; their duplicates never count)."""
    clusterer = StoryClusterer()
    originals = [m for m in members if m.duplicate_of is None] or members
    for member in originals:
        interval = date_interval(member.published_at, member.date_precision)
        hint = month_hint(member.text) if interval is None else None
        clusterer.add(story_id, story_vector(f"{member.title}\n{member.text}"), interval, hint)
    return clusterer.stories[story_id].to_json()
