"""One source, one day, synchronously (``backfill_day``): its listing, then its articles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, select

from pipeline.backfill import backfill_day
from pipeline.ingest import IngestContext, RunState, begin_run
from storage.db import make_engine, session_scope
from storage.models import Article, FetchLog
from tests.site import NosSite

DAY = date(2023, 6, 14)


def run_of(ctx: IngestContext) -> RunState:
    """A backfill run of ``ctx`` (a day is walked as part of one)."""
    return RunState(ctx, begin_run(ctx.engine, "backfill", ["nos-archief"]))


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


def test_archive_day_lists_the_articles_of_that_day(site: NosSite, db: Engine) -> None:
    source = site.sources_config().get("nos-archief")
    discovery = backfill_day(
        source, DAY, run_of(IngestContext(db, site.sources_config()))
    ).discovery

    assert discovery.status == "ok"
    expected = {site.url(p.path) for p in site.content.on_day(DAY) if p.kind == "artikel"}
    assert expected
    assert {c.canonical_url for c in discovery.candidates} == expected
    assert all(c.origin == "archive" and c.title for c in discovery.candidates)
    assert site.count(f"/nieuws/archief/{DAY}") == 1


def test_sitemap_index_with_day_filter(site: NosSite, db: Engine) -> None:
    config = site.sources_config()
    discovery = backfill_day(
        config.get("nos-sitemap"), DAY, run_of(IngestContext(db, config))
    ).discovery

    assert discovery.status == "ok", discovery.errors
    on_day = {site.url(p.path) for p in site.content.on_day(DAY)}
    found = {c.canonical_url for c in discovery.candidates}
    assert found and found <= on_day
    assert all(c.date_source == "sitemap" for c in discovery.candidates)


def test_a_day_stored_twice_is_known_the_second_time(site: NosSite, db: Engine) -> None:
    config = site.sources_config()
    source = config.get("nos-archief")
    run = run_of(IngestContext(db, config))
    first = backfill_day(source, DAY, run)
    candidates, counts = first.discovery.candidates, first.counts
    again = backfill_day(source, DAY, run).counts

    assert counts.discovered == len(candidates)
    assert counts.new == len(candidates) and counts.failed == 0
    assert again.new == 0 and again.known == len(candidates)
    with session_scope(db) as session:
        articles = list(session.scalars(select(Article)))
        assert {a.origin for a in articles} == {"archive"}
        assert all(a.published_at is not None and a.date_source == "archive" for a in articles)
        assert all(a.date_conflict is None for a in articles)
        fetched = session.scalars(select(FetchLog.url).where(FetchLog.outcome == "ok")).all()
    article_requests = [r for r in site.requests() if r.path.startswith("/artikel/")]
    assert len(article_requests) == len(candidates)  # the second call fetched nothing
    assert len(fetched) >= len(candidates)


def test_refetch_uses_conditional_requests(site: NosSite, db: Engine) -> None:
    config = site.sources_config()
    source = config.get("nos-archief")
    candidates = backfill_day(source, DAY, run_of(IngestContext(db, config))).discovery.candidates
    site.reset_log()

    counts = backfill_day(source, DAY, run_of(IngestContext(db, config, refetch=True))).counts

    article_requests = [r for r in site.requests() if r.path.startswith("/artikel/")]
    assert len(article_requests) == len(candidates)
    assert counts.new == 0
    assert counts.not_modified == len(candidates)
    assert all(r.if_modified_since or r.if_none_match for r in article_requests)
