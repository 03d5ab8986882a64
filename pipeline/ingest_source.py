"""A source's candidates in chunks: each chunk fetched, parsed and stored in turn, its counts
added as it finishes, so a failure keeps what the earlier chunks stored."""

from __future__ import annotations

from collections.abc import Callable

from pipeline.ingest_client import IngestContext
from pipeline.ingest_pages import afetch_and_store
from pipeline.ingest_types import SourceCounts
from scrapers.candidates import Candidate
from scrapers.sources import SourceConfig

ChunkDone = Callable[[int, SourceCounts], None]  # (chunk size, the source's counts so far)


async def afetch_source(
    candidates: list[Candidate],
    source: SourceConfig,
    ctx: IngestContext,
    counts: SourceCounts,
    on_chunk: ChunkDone | None = None,
) -> SourceCounts:
    """Fetch, extract and store all of ``source``'s candidates, ``ctx.chunk_size`` at a time;
    add each chunk's counts to ``counts`` and return it. A chunk that raises stops the rest."""
    size = max(1, ctx.chunk_size)
    for start in range(0, len(candidates), size):
        chunk = candidates[start : start + size]
        counts.add(await afetch_and_store(chunk, source, ctx))
        if on_chunk is not None:
            on_chunk(len(chunk), counts)
    return counts
