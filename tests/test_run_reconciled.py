"""A run whose process was killed with kill -9 is closed as abandoned by the next run, and the
sources it left show it: in the run rows, in `newsmon sources` and in the digest."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from storage.db import session_scope
from storage.models import Article, IngestRun, IngestRunSource, Source
from tests.cli_process import cli_env, run, start, write_sources
from tests.site import NosSite


def wait_for_articles(engine: Engine, at_least: int, proc: object, timeout: float = 90) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(engine) as session:
            stored = session.scalar(select(func.count(Article.id))) or 0
        if stored >= at_least:
            return stored
        assert proc.poll() is None, "the ingest ended before it could be killed"
        time.sleep(0.2)
    raise AssertionError(f"fewer than {at_least} articles after {timeout} s")


@pytest.mark.slow
def test_a_killed_ingest_is_reconciled_as_abandoned_at_the_next_start(
    site: NosSite, database_url: str, engine: Engine, tmp_path: Path
) -> None:
    sources = write_sources(
        tmp_path / "sources.toml",
        site,
        {"gen": "/gen/feed?count=400", "buitenland": "/nosnieuwsbuitenland"},
    )
    env = cli_env(database_url, sources, tmp_path / "data")
    proc = start(env, "ingest", "--source", "gen")
    try:
        wait_for_articles(engine, 10, proc)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    with session_scope(engine) as session:
        (killed,) = session.scalars(select(IngestRun)).all()
        assert killed.status == "running" and killed.pid == proc.pid

    after = run(env, "ingest", "--source", "buitenland")
    assert after.returncode == 0, after.stdout + after.stderr

    with session_scope(engine) as session:
        runs = {r.id: r for r in session.scalars(select(IngestRun))}
        assert runs[killed.id].status == "abandoned"
        assert runs[killed.id].finished_at is not None
        left = session.scalars(
            select(IngestRunSource).where(IngestRunSource.run_id == killed.id)
        ).all()
        assert [(r.source_name, r.status) for r in left] == [("gen", "abandoned")]
        gen = session.scalar(select(Source).where(Source.name == "gen"))
        assert gen is not None and gen.status == "abandoned"
        assert "abandoned" in (gen.last_error or "")

    table = run(env, "sources")
    assert table.returncode == 0, table.stderr
    gen_line = next(line for line in table.stdout.splitlines() if line.startswith("gen "))
    assert "abandoned" in gen_line and "never" not in gen_line

    digest = run(env, "digest")
    assert digest.returncode == 0, digest.stderr
    markdown = Path(digest.stdout.strip().splitlines()[-1]).read_text(encoding="utf-8")
    health_rows = [line for line in markdown.splitlines() if line.startswith("| gen ")]
    assert health_rows and "abandoned" in health_rows[0], markdown


def test_a_live_run_of_another_process_is_left_running(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    from pipeline.ingest import begin_run

    first = begin_run(engine, "cli", ["a"])  # this process: alive
    second = begin_run(engine, "cli", ["a"])
    with session_scope(engine) as session:
        statuses = {r.id: r.status for r in session.scalars(select(IngestRun))}
    assert statuses == {first: "running", second: "running"}


@pytest.mark.slow
def test_newsmon_sources_reconciles_a_dead_run_before_showing_health(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    import subprocess
    import sys

    from sqlalchemy import update

    from pipeline.ingest import begin_run
    from storage.sources import ensure_source

    with session_scope(engine) as session:
        ensure_source(session, "gen", "rss")
    run_id = begin_run(engine, "cli", ["gen"])
    dead_pid = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_pid.wait()
    with session_scope(engine) as session:
        session.execute(update(IngestRun).where(IngestRun.id == run_id).values(pid=dead_pid.pid))
    sources = tmp_path / "sources.toml"
    sources.write_text("", encoding="utf-8")
    table = run(cli_env(database_url, sources, tmp_path / "data"), "sources")
    assert table.returncode == 0, table.stderr
    gen_line = next(line for line in table.stdout.splitlines() if line.startswith("gen "))
    assert "abandoned" in gen_line
