"""Recording thousands of sources cut by a signal: every one gets its ``interrupted`` row (one
multi-row insert), counts and masked errors kept, on both backends."""

from __future__ import annotations

from sqlalchemy import Engine, text

from pipeline.ingest.run import SourceOutcome, begin_run, record_ingest
from pipeline.run_state import Discovery, SourceCounts
from scrapers.outcomes import ErrorRecord, Outcome
from scrapers.sources import SourceConfig

SOURCES = 2000


def test_thousands_of_interrupted_sources_are_recorded_in_one_go(engine: Engine) -> None:
    sources = [
        SourceConfig(
            name=f"dead-{i}",
            kind="rss",
            url=f"http://127.0.0.1:9/feed/{i}",
            allowed_hosts=("127.0.0.1",),
        )
        for i in range(SOURCES)
    ]
    run_id = begin_run(engine, "test", [s.name for s in sources])
    outcomes = []
    for source in sources:
        counts = SourceCounts()
        counts.failed = 1
        counts.errors.append(
            ErrorRecord("http://u:hunter2@127.0.0.1:9/x?token=t0k", Outcome.CONNECT_ERROR, "")
        )
        outcomes.append(SourceOutcome(source, Discovery(source_name=source.name), counts))
    report = record_ingest(engine, run_id, outcomes, interrupted={s.name for s in sources})
    assert report.status == "interrupted"
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT status, failed, errors FROM ingest_run_sources WHERE run_id = :r"),
            {"r": run_id},
        ).all()
        status = connection.execute(
            text("SELECT status FROM ingest_runs WHERE id = :r"), {"r": run_id}
        ).scalar_one()
    assert status == "interrupted"
    assert len(rows) == SOURCES
    assert {(row[0], row[1]) for row in rows} == {("interrupted", 1)}
    assert all("hunter2" not in str(row[2]) and "t0k" not in str(row[2]) for row in rows)
