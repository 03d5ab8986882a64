"""A source's candidates in chunks: each chunk stored in turn, progress reported per chunk."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from pipeline.ingest import IngestContext, RunState, SourceCounts, begin_run
from pipeline.ingest import fetch as fetch_stage
from pipeline.ingest.fetch import fetch_source
from pipeline.ingest.run import open_client
from scrapers.candidates import Candidate, make_candidate
from storage.db import session_scope
from storage.models import Article
from tests.site import NosSite
from tests.site.generated import generated_path

PAGES = 60
CHUNK = 15


@pytest.fixture
def db(engine: Engine) -> Engine:
    """SQLite and PostgreSQL."""
    return engine


@pytest.fixture
def ctx(site: NosSite, db: Engine) -> IngestContext:
    config = site.generated_sources_config(count=PAGES)
    return IngestContext(db, config, chunk_size=CHUNK)


def _candidates(site: NosSite, ctx: IngestContext, count: int = PAGES) -> list[Candidate]:
    source = ctx.config.sources[0]
    return [
        make_candidate(site.url(generated_path(n)), source.name, "rss") for n in range(1, count + 1)
    ]


def _stored(db: Engine) -> int:
    with session_scope(db) as session:
        return int(session.scalar(select(func.count()).select_from(Article)) or 0)


class ChunkLog:
    """Wraps ``fetch_chunk`` as ``fetch_source`` calls it: when each chunk starts and ends."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fail_at: int | None = None) -> None:
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.in_flight = 0
        self.most_in_flight = 0
        real = fetch_stage.fetch_chunk

        async def logged(*args: Any, **kwargs: Any) -> SourceCounts:
            index = len(self.starts)
            self.starts.append(time.perf_counter())
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                if index == fail_at:
                    raise RuntimeError("the database went away")
                return await real(*args, **kwargs)
            finally:
                self.in_flight -= 1
                self.ends.append(time.perf_counter())

        monkeypatch.setattr(fetch_stage, "fetch_chunk", logged)


def _run(ctx: IngestContext, candidates: list[Candidate], counts: SourceCounts, seen: list) -> None:
    source = ctx.config.sources[0]
    run = RunState(ctx, begin_run(ctx.engine, "cli", [source.name]))

    async def main() -> None:
        async with open_client(run):
            await fetch_source(
                candidates,
                source,
                run,
                counts,
                lambda size, so_far: seen.append((size, so_far.new)),
            )

    asyncio.run(main())


def test_chunks_run_one_after_another_and_every_page_is_stored(
    site: NosSite, ctx: IngestContext, db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    chunks = ChunkLog(monkeypatch)
    counts, seen = SourceCounts(), []
    _run(ctx, _candidates(site, ctx), counts, seen)

    assert counts.new == PAGES and counts.failed == 0 and counts.discovered == PAGES
    assert _stored(db) == PAGES
    assert len(chunks.starts) == PAGES // CHUNK
    # One chunk at a time: a chunk's transaction never interleaves with the next one's.
    assert chunks.most_in_flight == 1
    # Progress: one report per chunk, in order, with the counts so far.
    assert [size for size, _ in seen] == [CHUNK] * (PAGES // CHUNK)
    assert [new for _, new in seen] == [CHUNK * (i + 1) for i in range(PAGES // CHUNK)]
    requested = [r.path for r in site.requests(prefix="/gen/artikel/")]
    assert len(requested) == len(set(requested)) == PAGES  # each page fetched once


def test_a_failing_chunk_stops_the_source_and_keeps_what_earlier_chunks_did(
    site: NosSite, ctx: IngestContext, db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    ChunkLog(monkeypatch, fail_at=2)
    counts, seen = SourceCounts(), []
    with pytest.raises(RuntimeError, match="database went away"):
        _run(ctx, _candidates(site, ctx), counts, seen)
    # The two chunks before the failing one finished and were counted; none after it ran.
    assert counts.new == 2 * CHUNK
    assert _stored(db) == 2 * CHUNK
    assert len(seen) == 2


def test_a_second_pass_over_stored_items_fetches_nothing(
    site: NosSite, ctx: IngestContext, db: Engine
) -> None:
    candidates = _candidates(site, ctx, 20)
    _run(ctx, candidates, SourceCounts(), [])
    site.reset_log()
    again = IngestContext(db, ctx.config, chunk_size=CHUNK)
    counts = SourceCounts()
    _run(again, candidates, counts, [])
    assert counts.new == 0 and counts.known == 20
    assert site.requests() == []  # every item was known before any request
