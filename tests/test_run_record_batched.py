"""A run of a thousand sources is registered, logged, recorded (or closed as abandoned) in a
few statements, not several per source, and writes what the row-by-row code wrote:
configuration, health (consecutive failures, the reason, a newer run's health left alone),
counts, validators and one fetch-log row per listing, on both backends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, select

from benchmarks.dead_sources import refused_port, write_sources
from pipeline.ingest import IngestContext, begin_run, run_ingest
from pipeline.ingest.run import SourceOutcome, record_ingest
from pipeline.ingest.store import LISTING_LOG_BATCH
from pipeline.run_state import DISCOVERY_FAILED, Discovery, SourceCounts
from scrapers.outcomes import ErrorRecord, Outcome
from scrapers.sources import SourceConfig, load_sources_file
from storage.db import session_scope
from storage.fetchlog import get_validators
from storage.models import FetchLog, IngestRun, IngestRunSource, Source
from storage.runs import mark_abandoned
from storage.sources import SourceSetup, configure_sources, get_or_create_source

SOURCES = 1000
FEW = 40  # statements for the whole thousand (row by row it was four or more per source)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements ``engine`` runs inside the block (an executemany counts once)."""
    seen: list[str] = []

    def note(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def feed(i: int) -> SourceConfig:
    return SourceConfig(
        name=f"feed-{i}", kind="rss", url=f"https://nos.nl/feed/{i}", allowed_hosts=("nos.nl",)
    )


def answered(source: SourceConfig) -> SourceOutcome:
    discovery = Discovery(source_name=source.name, outcome=Outcome.OK)
    discovery.listing_urls.append(source.url)
    discovery.validators[source.url] = (f'"{source.name}"', None)
    return SourceOutcome(source, discovery, SourceCounts(discovered=2, new=2))


def refused(source: SourceConfig) -> SourceOutcome:
    error = ErrorRecord(source.url, Outcome.CONNECT_ERROR, "connection refused")
    discovery = Discovery(
        source_name=source.name,
        status=DISCOVERY_FAILED,
        outcome=Outcome.CONNECT_ERROR,
        errors=[error],
    )
    return SourceOutcome(source, discovery, SourceCounts(errors=[error]))


def sources_by_name(engine: Engine) -> dict[str, Source]:
    with session_scope(engine) as session:
        return {s.name: s for s in session.scalars(select(Source))}


def test_a_thousand_sources_are_recorded_in_a_few_statements_as_before(engine: Engine) -> None:
    sources = [feed(i) for i in range(SOURCES)]
    names = [s.name for s in sources]
    outcomes = [answered(s) if i % 2 else refused(s) for i, s in enumerate(sources)]
    first = begin_run(engine, "test", names)
    record_ingest(engine, first, outcomes)
    # A later-started run recorded feed-0 meanwhile: the older run leaves its health alone.
    older, newer = begin_run(engine, "test", names), begin_run(engine, "test", ["feed-0"])
    record_ingest(engine, newer, [answered(sources[0])])
    with statements(engine) as seen:
        report = record_ingest(engine, older, outcomes)
    assert len(seen) <= FEW, f"{len(seen)} statements"
    assert report.status == "partial"
    by_name = sources_by_name(engine)
    assert by_name["feed-0"].status == "ok"  # the newer run's
    refused_rows = [by_name[f"feed-{i}"] for i in range(2, SOURCES, 2)]
    assert {(s.status, s.consecutive_failures) for s in refused_rows} == {("unreachable", 2)}
    assert all("connection refused" in (s.last_error or "") for s in refused_rows)
    answered_rows = [by_name[f"feed-{i}"] for i in range(1, SOURCES, 2)]
    assert {(s.status, s.consecutive_failures) for s in answered_rows} == {("ok", 0)}
    assert all(s.last_success_at is not None for s in answered_rows)
    with session_scope(engine) as session:
        rows = session.scalars(select(IngestRunSource).where(IngestRunSource.run_id == older))
        counted = {(r.status, r.new, len(r.errors)) for r in rows}
        validators = get_validators(session, "https://nos.nl/feed/7")
    assert counted == {("unreachable", 0, 1), ("ok", 2, 0)}
    assert validators is not None and validators.etag == '"feed-7"'


def test_a_thousand_sources_are_configured_in_a_few_statements_keeping_their_health(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        old = get_or_create_source(session, "feed-3", kind="sitemap", url="https://old/x")
        old.status, old.consecutive_failures = "failing", 4
        kept_id = old.id
    setups = [SourceSetup(f"feed-{i}", "rss", f"https://nos.nl/feed/{i}") for i in range(SOURCES)]
    with statements(engine) as seen, session_scope(engine) as session:
        ids = configure_sources(session, [*setups, SourceSetup("feed-3", "rss", None, False, 7)])
    assert len(seen) <= FEW, f"{len(seen)} statements"
    by_name = sources_by_name(engine)
    assert len(ids) == SOURCES and ids == {name: s.id for name, s in by_name.items()}
    changed = by_name["feed-3"]
    assert changed.id == kept_id
    assert (changed.kind, changed.url, changed.enabled, changed.priority) == (
        "rss",
        "https://old/x",  # a setup without a URL leaves the stored one
        False,
        7,
    )
    assert (changed.status, changed.consecutive_failures) == ("failing", 4)
    assert by_name["feed-9"].url == "https://nos.nl/feed/9"
    with session_scope(engine) as session:  # again: nothing to insert or change
        assert configure_sources(session, setups[:10]) == {s.name: ids[s.name] for s in setups[:10]}


def test_a_thousand_refused_feeds_log_one_row_each_in_a_few_inserts(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "sources.toml"
    write_sources(path, SOURCES, refused_port())
    ctx = IngestContext(engine, load_sources_file(path))
    with statements(engine) as seen:
        report = run_ingest(ctx)
    assert set(report.source_status.values()) == {"unreachable"}
    inserts = [s for s in seen if re.match(r"\s*INSERT INTO fetch_log", s)]
    assert len(inserts) <= SOURCES // LISTING_LOG_BATCH + 1, f"{len(inserts)} inserts"
    with session_scope(engine) as session:
        logged = session.execute(
            select(FetchLog.url, FetchLog.outcome, FetchLog.run_id, Source.name).join(
                Source, Source.id == FetchLog.source_id
            )
        ).all()
        assert session.scalar(select(func.count()).select_from(FetchLog)) == SOURCES
    assert {(row.outcome, row.run_id) for row in logged} == {("connect_error", report.run_id)}
    assert {row.name: row.url.rsplit("/", 1)[1] for row in logged} == {
        f"dead-{i}": str(i) for i in range(SOURCES)
    }


def test_a_run_of_a_thousand_sources_left_behind_is_closed_in_a_few_statements(
    engine: Engine,
) -> None:
    sources = [feed(i) for i in range(SOURCES)]
    names = [s.name for s in sources]
    record_ingest(engine, begin_run(engine, "test", names), [refused(s) for s in sources])
    dead, newer = begin_run(engine, "test", names), begin_run(engine, "test", ["feed-0"])
    record_ingest(engine, newer, [answered(sources[0])])
    with statements(engine) as seen, session_scope(engine) as session:
        run = session.get(IngestRun, dead)
        assert run is not None
        left = mark_abandoned(session, run, "process 1 is gone")
    assert len(seen) <= FEW, f"{len(seen)} statements"
    assert sorted(left) == sorted(names)
    by_name = sources_by_name(engine)
    assert by_name["feed-0"].status == "ok"  # the newer run's
    rest = [by_name[name] for name in names[1:]]
    assert {(s.status, s.consecutive_failures, s.last_error) for s in rest} == {
        ("abandoned", 2, "process 1 is gone")
    }
