"""One fetch per article: which listed candidates need a request, and what a batch taught us.

Before a fetch, a candidate is skipped when any of its URLs is an alias of a stored article
(the URL as listed, a redirect hop, a canonical), when its outlet's article id is stored
already (the short link and the slug URL of one NOS article share an id), when another source
claimed the URL or the id earlier in this run, or when it failed before and its retry is not
due. After a batch is stored, every URL under which an article was listed or reached becomes an
alias, and each failure (a wall that left a teaser counts as one) sets the next retry time,
doubling each time, up to a day, and given up after ``RETRY_GIVE_UP`` failures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from pipeline.ingest_client import IngestContext
from pipeline.ingest_walls import WALL_OUTCOMES, on_host
from processing.identity import article_key
from processing.urls import canonicalize_url
from scrapers.candidates import Candidate
from scrapers.fetch_result import FetchResult, Outcome
from scrapers.sources import SourceConfig
from storage.aliases import Alias, articles_by_alias, articles_by_key, record_aliases
from storage.fetchlog import known_urls
from storage.models import TEASER_TEXT_SOURCES, Article
from storage.retries import clear_failures, record_failure, retry_states

RETRY_MAX_S = 86_400.0  # the longest wait between two tries of one URL
RETRY_GIVE_UP = 8  # failures after which a URL is not tried again
# Outcomes that are answers, not failures: nothing to retry.
SETTLED_OUTCOMES = frozenset({Outcome.OK, Outcome.NOT_MODIFIED, Outcome.NO_ARTICLE})


class BatchResult(Protocol):
    """What the fetch batch keeps per candidate (``pipeline.ingest_pages.PageResult``)."""

    candidate: Candidate
    fetched: FetchResult
    outcome: Outcome
    error: str | None
    article_id: int | None
    canonical_url: str | None


@dataclass(slots=True)
class Selection:
    """The candidates to fetch, the ones of them due for a retry, and how many were skipped."""

    todo: list[Candidate] = field(default_factory=list)
    retrying: set[str] = field(default_factory=set)  # canonical URLs
    skipped: int = 0
    waiting: int = 0  # skipped because their retry is not due yet


def next_retry(failures: int, now: datetime, base_s: float) -> datetime | None:
    """When a URL that failed ``failures`` times may be tried again (None: not again)."""
    if failures >= RETRY_GIVE_UP:
        return None
    return now + timedelta(seconds=min(base_s * 2 ** (failures - 1), RETRY_MAX_S))


def select_new(
    session: Session, ctx: IngestContext, source: SourceConfig, unique: Sequence[Candidate]
) -> Selection:
    """The candidates of ``unique`` (one per canonical URL) that need a fetch; claims them."""
    pattern = source.id_pattern()
    keys = {c.canonical_url: article_key(c.canonical_url, pattern) for c in unique}
    urls = [c.canonical_url for c in unique]
    known = known_urls(session, urls, [c.url for c in unique])
    aliased = articles_by_alias(session, urls)
    by_key = articles_by_key(session, [key for key in keys.values() if key])
    retries = retry_states(session, urls)
    now = ctx.clock()
    selection = Selection()
    recovered: list[str] = []
    for candidate in unique:
        url, key = candidate.canonical_url, keys[candidate.canonical_url]
        stored = aliased.get(url) or (by_key.get(key) if key else None)
        state = retries.get(url)
        if state is not None:
            due = state.next_retry_at is not None and state.next_retry_at <= now
            if stored is not None and not _is_teaser(session, stored):
                recovered.append(url)  # read meanwhile under another of its URLs
            elif due:
                selection.todo.append(candidate)
                selection.retrying.add(url)
            elif state.next_retry_at is not None:
                selection.waiting += 1
            continue
        if stored is not None or url in known or candidate.url in known:
            continue
        selection.todo.append(candidate)
    if recovered:
        clear_failures(session, recovered)
    selection.todo = _claim(ctx, selection.todo, keys)
    selection.skipped = len(unique) - len(selection.todo)
    return selection


def claim_all(ctx: IngestContext, source: SourceConfig, unique: Sequence[Candidate]) -> list[str]:
    """Claim ``unique`` for this run (a re-check fetches known URLs too); the claimed URLs."""
    pattern = source.id_pattern()
    keys = {c.canonical_url: article_key(c.canonical_url, pattern) for c in unique}
    return [c.canonical_url for c in _claim(ctx, list(unique), keys)]


def _claim(
    ctx: IngestContext, todo: list[Candidate], keys: dict[str, str | None]
) -> list[Candidate]:
    """Drop what this run took on already (by URL or article id); claim the rest."""
    kept: list[Candidate] = []
    for candidate in todo:
        key = keys.get(candidate.canonical_url)
        if candidate.canonical_url in ctx.claimed or (key and key in ctx.claimed_keys):
            continue
        ctx.claimed.add(candidate.canonical_url)
        if key:
            ctx.claimed_keys.add(key)
        kept.append(candidate)
    return kept


def _is_teaser(session: Session, article_id: int) -> bool:
    article = session.get(Article, article_id)
    return article is not None and article.text_source in TEASER_TEXT_SOURCES


def stored_as(
    session: Session, results: Sequence[BatchResult], source: SourceConfig
) -> list[str | None]:
    """Per result, the canonical URL of the stored article that a URL the page was listed or
    reached under is an alias of (a teaser read at last, a re-check), else None. One query."""
    reached = [_reached_urls(result, source) for result in results]
    found = articles_by_alias(session, [url for urls in reached for url in urls])
    out: list[str | None] = []
    for urls in reached:
        ids = [found[url] for url in urls if url in found]
        article = session.get(Article, ids[0]) if ids else None
        out.append(article.canonical_url if article is not None else None)
    return out


def remember(
    session: Session,
    ctx: IngestContext,
    source: SourceConfig,
    results: Sequence[BatchResult],
    retrying: set[str],
) -> int:
    """Record the aliases of the stored articles of a batch, and its failures' next retries;
    return how many of them will be tried again."""
    pattern = source.id_pattern()
    aliases: list[Alias] = []
    read: list[str] = []
    failed: list[BatchResult] = []
    for result in results:
        url = result.candidate.canonical_url
        if result.article_id is not None:
            for alias in _reached_urls(result, source):
                aliases.append(Alias(alias, result.article_id, article_key(alias, pattern)))
        if result.outcome in WALL_OUTCOMES or (
            result.outcome not in SETTLED_OUTCOMES and result.fetched.requested
        ):
            failed.append(result)
        elif url in retrying:
            read.append(url)
    record_aliases(session, aliases)
    if read:
        clear_failures(session, read)
    if not failed:
        return 0
    waiting = 0
    states = retry_states(session, [r.candidate.canonical_url for r in failed])
    now = ctx.clock()
    for result in failed:
        url = result.candidate.canonical_url
        state = states.get(url)
        failures = (state.failures if state is not None else 0) + 1
        when = next_retry(failures, now, ctx.retry_base_s)
        record_failure(session, url, result.outcome, result.error, when, failures)
        waiting += when is not None
    return waiting


def _reached_urls(result: BatchResult, source: SourceConfig) -> list[str]:
    """The URLs (canonical form) the candidate was listed and reached under, on its hosts."""
    fetched = result.fetched
    urls = [result.candidate.canonical_url]
    urls += [hop for hop in fetched.redirects if on_host(hop, source)]
    if fetched.final_url and on_host(fetched.final_url, source):
        urls.append(fetched.final_url)
    if result.canonical_url:
        urls.append(result.canonical_url)
    return list(dict.fromkeys(canonicalize_url(url) for url in urls))
