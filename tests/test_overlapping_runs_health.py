"""Two overlapping runs: a source's health is the later-started run's, whichever ends last."""

from __future__ import annotations

from sqlalchemy import Engine, select

from pipeline.ingest import begin_run
from pipeline.ingest.run import SourceOutcome, record_ingest
from pipeline.run_state import DISCOVERY_FAILED, Discovery, SourceCounts
from scrapers.outcomes import ErrorRecord, Outcome
from scrapers.sources import SourceConfig
from storage.db import session_scope
from storage.models import Source

SOURCE = SourceConfig(name="feed", kind="rss", url="https://nos.nl/feed", allowed_hosts=("nos.nl",))


def ok() -> SourceOutcome:
    return SourceOutcome(SOURCE, Discovery(source_name="feed"), SourceCounts(discovered=3, new=3))


def failed() -> SourceOutcome:
    discovery = Discovery(
        source_name="feed",
        status=DISCOVERY_FAILED,
        outcome=Outcome.HTTP_ERROR,
        errors=[ErrorRecord(SOURCE.url, Outcome.HTTP_ERROR, "500")],
    )
    return SourceOutcome(SOURCE, discovery, SourceCounts())


def status_of(engine: Engine) -> str:
    with session_scope(engine) as session:
        source = session.scalar(select(Source).where(Source.name == "feed"))
        assert source is not None
        return source.status


def test_the_older_run_ending_last_does_not_overwrite_the_newer_run_s_health(
    engine: Engine,
) -> None:
    older = begin_run(engine, "cli", ["feed"])
    newer = begin_run(engine, "cli", ["feed"])
    assert record_ingest(engine, newer, [ok()]).status == "ok"
    assert record_ingest(engine, older, [failed()]).status == "failed"
    assert status_of(engine) == "ok"


def test_the_newer_run_ending_last_sets_the_health(engine: Engine) -> None:
    older = begin_run(engine, "cli", ["feed"])
    newer = begin_run(engine, "cli", ["feed"])
    record_ingest(engine, older, [ok()])
    record_ingest(engine, newer, [failed()])
    assert status_of(engine) == "failing"
