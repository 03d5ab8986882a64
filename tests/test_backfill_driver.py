"""The backfill driver without Prefect: days walked once, finished days skipped, failures kept."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from pipeline.backfill import DayResult, backfill_day, run_backfill
from pipeline.ingest import IngestContext, RunState, begin_run
from processing.urls import canonicalize_url
from scrapers.sources import SourceConfig
from storage.db import session_scope
from storage.models import Article, CrawlProgress, IngestRun
from storage.progress import DONE, FAILED
from tests.site.content import ARCHIVE_DAYS, catalogue
from tests.site.server import NosSite

ARCHIVE = "nos-archief"


def context(site: NosSite, engine: Engine) -> IngestContext:
    config = site.sources_config()
    config = config.model_copy(
        update={"sources": tuple(s for s in config.sources if s.name == ARCHIVE)}
    )
    return IngestContext(engine, config, trigger="backfill")


def expected(site: NosSite, day: date) -> set[str]:
    return {
        canonicalize_url(site.url(a.path))
        for a in catalogue().on_day(day)
        if a.kind == "artikel" and not a.path.startswith("/intern/")
    }


def stored(engine: Engine) -> set[str]:
    with session_scope(engine) as session:
        return set(session.scalars(select(Article.canonical_url)))


def test_a_backfill_stores_each_day_and_a_second_run_skips_the_finished_days(
    site: NosSite, engine: Engine
) -> None:
    days = [ARCHIVE_DAYS[0], ARCHIVE_DAYS[1]]
    first = run_backfill(context(site, engine), [ARCHIVE], days)
    assert [(d.day, d.status) for d in first.days] == [(days[0], DONE), (days[1], DONE)]
    assert expected(site, days[0]) | expected(site, days[1]) <= stored(engine)
    assert first.run.total_new == len(stored(engine))

    site.reset_log()
    again = run_backfill(context(site, engine), [ARCHIVE], days)
    assert again.days == [] and again.skipped == 2
    assert site.requests() == []  # finished days are not read again


def test_a_day_that_fails_is_marked_failed_and_the_walk_goes_on(
    site: NosSite, engine: Engine
) -> None:
    days = [ARCHIVE_DAYS[0], ARCHIVE_DAYS[1]]

    def flaky(source: SourceConfig, day: date, run: RunState) -> DayResult:
        if day == days[0]:  # that day's archive page answers 500 every time
            source = source.model_copy(update={"url": site.url("/misbehave/500?d={date}")})
        return backfill_day(source, day, run)

    report = run_backfill(context(site, engine), [ARCHIVE], days, walk_day=flaky)
    assert [d.status for d in report.days] == [FAILED, DONE]
    assert report.days[0].error
    with session_scope(engine) as session:
        rows = {p.day: p.status for p in session.scalars(select(CrawlProgress))}
    assert rows == {days[0]: FAILED, days[1]: DONE}
    assert expected(site, days[1]) <= stored(engine)


def test_a_requested_stop_ends_the_walk_before_the_next_day_and_leaves_it_to_do(
    site: NosSite, engine: Engine
) -> None:
    days = [ARCHIVE_DAYS[0], ARCHIVE_DAYS[1]]
    walked: list[date] = []

    def one_then_stop() -> bool:
        return len(walked) >= 1

    def walk(source: SourceConfig, day: date, run: RunState) -> DayResult:
        walked.append(day)
        return backfill_day(source, day, run)

    stopped = run_backfill(
        context(site, engine), [ARCHIVE], days, walk_day=walk, should_stop=one_then_stop
    )
    assert [d.day for d in stopped.days] == [days[0]]
    assert run_states(engine, stopped.run.run_id) == ("interrupted", {ARCHIVE: "interrupted"})
    resumed = run_backfill(context(site, engine), [ARCHIVE], days)
    assert [d.day for d in resumed.days] == [days[1]] and resumed.skipped == 1


def run_states(engine: Engine, run_id: int | None) -> tuple[str, dict[str, str]]:
    """The run's status and each of its sources' status, as stored."""
    with session_scope(engine) as session:
        run = session.get(IngestRun, run_id)
        assert run is not None
        return run.status, {s.source_name: s.status for s in run.sources}


def test_a_signal_that_unwinds_the_walk_closes_the_run_as_interrupted(
    site: NosSite, engine: Engine
) -> None:
    days = [ARCHIVE_DAYS[0], ARCHIVE_DAYS[1]]
    ctx = context(site, engine)

    def stopped_on_day_two(source: SourceConfig, day: date, run: RunState) -> DayResult:
        if day == days[1]:
            raise KeyboardInterrupt  # what SIGINT / the CLI's SIGTERM handler raise mid-day
        return backfill_day(source, day, run)

    with pytest.raises(KeyboardInterrupt):
        run_backfill(ctx, [ARCHIVE], days, walk_day=stopped_on_day_two)
    with session_scope(engine) as session:
        run_id = session.scalar(select(func.max(IngestRun.id)))
    assert run_states(engine, run_id) == ("interrupted", {ARCHIVE: "interrupted"})
    resumed = run_backfill(context(site, engine), [ARCHIVE], days)
    assert [d.day for d in resumed.days] == [days[1]]
    assert run_states(engine, resumed.run.run_id) == ("ok", {ARCHIVE: "ok"})


def test_a_signal_while_progress_is_reported_also_closes_the_run_as_interrupted(
    site: NosSite, engine: Engine
) -> None:
    """The flow's progress callback is an API call about as long as a local day's pages: the
    CI run that found this had SIGTERM land there and leave the run ``running``."""
    days = [ARCHIVE_DAYS[0], ARCHIVE_DAYS[1]]

    def progress(done: int, total: int, day: DayResult) -> None:
        raise KeyboardInterrupt  # the signal, after the first day was stored and counted

    with pytest.raises(KeyboardInterrupt):
        run_backfill(context(site, engine), [ARCHIVE], days, progress=progress)
    with session_scope(engine) as session:
        run_id = session.scalar(select(func.max(IngestRun.id)))
    assert run_states(engine, run_id) == ("interrupted", {ARCHIVE: "interrupted"})
    resumed = run_backfill(context(site, engine), [ARCHIVE], days)
    assert [d.day for d in resumed.days] == [days[1]]


def test_a_host_that_failed_one_day_is_tried_again_the_next(site: NosSite, engine: Engine) -> None:
    ctx = context(site, engine)
    run = RunState(ctx, begin_run(engine, ctx.trigger, [ARCHIVE]))
    run.down_hosts.add("127.0.0.1")  # as a connection error on the day before leaves it
    result = backfill_day(ctx.config.get(ARCHIVE), ARCHIVE_DAYS[0], run)
    assert result.status == DONE and result.counts.new > 0
