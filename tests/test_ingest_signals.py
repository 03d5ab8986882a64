"""SIGTERM and Ctrl-C stop `newsmon ingest` after the current batch: the run is recorded as
interrupted, what was stored stays, and the exit code is 143 / 130 with one line."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from storage.db import session_scope
from storage.models import Article, IngestRun, IngestRunSource, Source
from tests.cli_process import cli_env, run, start, write_sources
from tests.site import NosSite
from tests.test_run_reconciled import wait_for_articles

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_ingest_after_the_batch_and_records_the_run_as_interrupted(
    site: NosSite,
    database_url: str,
    engine: Engine,
    tmp_path: Path,
    signum: signal.Signals,
    code: int,
) -> None:
    sources = write_sources(tmp_path / "sources.toml", site, {"gen": "/gen/feed?count=400"})
    proc = start(cli_env(database_url, sources, tmp_path / "data"), "ingest")
    try:
        wait_for_articles(engine, 10, proc)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == code, out + err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"interrupted by {signum.name}: ingest run ")
    with session_scope(engine) as session:
        (recorded,) = session.scalars(select(IngestRun)).all()
        assert recorded.status == "interrupted" and recorded.finished_at is not None
        (row,) = session.scalars(select(IngestRunSource)).all()
        assert row.status == "interrupted"
        stored = session.scalar(select(func.count(Article.id))) or 0
        assert 10 <= stored < 400
        assert row.new <= stored
        gen = session.scalar(select(Source).where(Source.name == "gen"))
        assert gen is not None and gen.status == "never"  # health is for finished polls
    table = run(cli_env(database_url, sources, tmp_path / "data"), "sources")
    gen_line = next(line for line in table.stdout.splitlines() if line.startswith("gen "))
    assert "interrupted" in gen_line
