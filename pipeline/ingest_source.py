"""A source's candidates in chunks, the next chunk's fetches overlapping the last parses.

A chunk (``IngestContext.chunk_size`` URLs, one transaction per few pages) ends with a tail
in which the parser has nothing left to do: the last pages are stored, the chunk's lease is
given back, the next chunk asks the database which URLs it already has and waits for its first
response. On a 2-core machine that tail was a sixth of the time. Here the chunks of a source
share one parser, and the next chunk starts as soon as every page of the previous one is
queued at the parser (at most two chunks in flight), so the parser always has a page waiting.
Pages are still stored in order within a chunk; across the overlap, two chunks' batches may
interleave (each is its own transaction, and a URL is claimed by one chunk only).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from pipeline.ingest_client import IngestContext
from pipeline.ingest_pages import ParserShare, afetch_and_store
from pipeline.ingest_types import SourceCounts
from scrapers.candidates import Candidate
from scrapers.sources import SourceConfig

CHUNKS_IN_FLIGHT = 2  # the chunk being finished and the next one being fetched

ChunkDone = Callable[[int, SourceCounts], None]  # (chunk size, the source's counts so far)


async def afetch_source(
    candidates: list[Candidate],
    source: SourceConfig,
    ctx: IngestContext,
    counts: SourceCounts,
    on_chunk: ChunkDone | None = None,
) -> SourceCounts:
    """Fetch, extract and store all of ``source``'s candidates; add each chunk's counts to
    ``counts`` as it finishes (so a failure keeps what the earlier chunks did) and return it.
    A chunk that raises cancels the others and the error propagates."""
    size = max(1, ctx.chunk_size)
    chunks = [candidates[i : i + size] for i in range(0, len(candidates), size)]
    share = ParserShare(ctx.extract_workers)
    running: deque[tuple[asyncio.Task[SourceCounts], int]] = deque()

    async def finish_oldest() -> None:
        task, chunk_size = running.popleft()
        counts.add(await task)
        if on_chunk is not None:
            on_chunk(chunk_size, counts)

    try:
        for index, chunk in enumerate(chunks):
            later = max(0, len(candidates) - (index + 1) * size)  # in the chunks after it
            handed_over = asyncio.Event()
            task = asyncio.ensure_future(
                afetch_and_store(chunk, source, ctx, share, handed_over, later)
            )
            running.append((task, len(chunk)))
            waiter = asyncio.ensure_future(handed_over.wait())
            try:
                await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
            while running and (running[0][0].done() or len(running) >= CHUNKS_IN_FLIGHT):
                await finish_oldest()
        while running:
            await finish_oldest()
    finally:
        for task, _ in running:
            task.cancel()
        await asyncio.gather(*(task for task, _ in running), return_exceptions=True)
        await share.aclose()
    return counts
