"""Page parsing off the event loop: decode + extract (+ text hash, MinHash, tags) in a thread.

Parsing a page costs a few milliseconds while every host is paced at one request a second or
slower, so a poll is bound by politeness, not parsing: a thread of this process is enough to
keep the event loop answering (no worker processes, nothing pickled). The thread gets the page
bytes and returns plain data; no HTML goes further, and nothing reaches Prefect results.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from processing.dedup import hash_and_signature, signature_to_bytes
from processing.tagging import Tagger, TagResult
from scrapers.errors import ExtractionError, NoArticleError
from scrapers.extract import ExtractedPage, decode_html, extract_page

log = logging.getLogger(__name__)

PARSE_THREADS = 2  # pages parsed at once (more only queue for the GIL)


def default_workers() -> int:
    """Pages parsed at once, each in a thread of this process."""
    return PARSE_THREADS


@dataclass(slots=True)
class Parsed:
    """What parsing one page gave: the page, or the outcome and reason why there is none.

    ``title`` is the article title the store will use; ``text_hash``, ``minhash`` (signature
    bytes, None for a short text) and ``tags`` (of ``title`` + text, when a tagger was given)
    are computed next to extraction, so the store does not redo them on the event loop's core.
    """

    page: ExtractedPage | None
    outcome: str = "ok"  # ok | no_article | parse_error
    error: str | None = None
    title: str = ""
    text_hash: str | None = None
    minhash: bytes | None = None
    tags: TagResult | None = None


def article_title(page: ExtractedPage, candidate_title: str | None) -> str:
    """The page's title, else the feed's, else the first line of the text."""
    return page.title or candidate_title or page.text.split("\n", 1)[0][:200]


def parse_page(
    body: bytes,
    content_type: str | None,
    final_url: str,
    candidate_title: str | None = None,
    tagger: Tagger | None = None,
) -> Parsed:
    """Decode and extract one page; expected failures become outcomes, not exceptions."""
    try:
        page = extract_page(decode_html(body, content_type), final_url)
    except NoArticleError as exc:
        return Parsed(None, "no_article", exc.reason)
    except ExtractionError as exc:
        return Parsed(None, "parse_error", exc.reason)
    title = article_title(page, candidate_title)
    digest, minhash = hash_and_signature(page.text)
    return Parsed(
        page,
        title=title,
        text_hash=digest,
        minhash=signature_to_bytes(minhash) if minhash is not None else None,
        tags=tagger.tag(f"{title}\n{page.text}") if tagger is not None else None,
    )


class PageParser:
    """Parses pages for one event loop, in threads of this process."""

    processes = 0  # kept for callers that size their queues by worker processes

    async def parse(
        self,
        body: bytes,
        content_type: str | None,
        final_url: str,
        candidate_title: str | None = None,
        tagger: Tagger | None = None,
    ) -> Parsed:
        """:func:`parse_page` in a thread, so the event loop keeps fetching meanwhile."""
        return await asyncio.to_thread(
            parse_page, body, content_type, final_url, candidate_title, tagger
        )


@contextlib.asynccontextmanager
async def page_parser(workers: int = PARSE_THREADS, pages: int = 0) -> AsyncIterator[PageParser]:
    """A :class:`PageParser`; ``workers`` and ``pages`` size nothing now (threads are
    shared by the event loop's default executor)."""
    yield PageParser()
