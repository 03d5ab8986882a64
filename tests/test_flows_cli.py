"""The orchestration commands as a user runs them: `newsmon schedule` and `newsmon run`."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import REPO_ROOT, SEEDS_DIR
from tests.databases import migrated_sqlite_url
from tests.prefect_fixtures import free_port, prefect_env, stop_process

NEWSMON = [sys.executable, "-m", "cli.main"]


def _env(tmp_path: Path) -> dict[str, str]:
    """A tmp database and a source on a loopback port where nothing listens (offline)."""
    url = migrated_sqlite_url(tmp_path)
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f"""
[fetch]
retries = 0
timeout_s = 2

[schedule]
ingest_cron = "*/15 * * * *"
digest_cron = "0 7 * * *"
timezone = "Europe/Amsterdam"

[[sources]]
name = "local-feed"
kind = "rss"
url = "http://127.0.0.1:{free_port()}/feed.xml"
allowed_hosts = ["127.0.0.1"]
""",
        encoding="utf-8",
    )
    env = prefect_env(tmp_path / "prefect-home")
    env.pop("PREFECT_LOGGING_LEVEL", None)
    env.update(
        NEWSMON_DATABASE_URL=url,
        NEWSMON_DATA_DIR=str(tmp_path / "data"),
        NEWSMON_SEEDS_DIR=str(SEEDS_DIR),
        NEWSMON_SOURCES_FILE=str(sources),
    )
    return env


@pytest.mark.slow
def test_schedule_announces_the_configured_runs_and_stops_on_sigterm(tmp_path: Path) -> None:
    log = tmp_path / "schedule.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*NEWSMON, "schedule"],
            cwd=REPO_ROOT,
            env=_env(tmp_path),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while "scheduler running" not in log.read_text(errors="replace"):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        os.killpg(proc.pid, 15)
        assert proc.wait(timeout=30) == 0, log.read_text()
    finally:
        stop_process(proc)
    text = log.read_text()
    ingest_at = re.search(r"ingest: next run \d{4}-\d\d-\d\d \d\d:(\d\d) CES?T", text)
    assert ingest_at is not None, text
    assert int(ingest_at.group(1)) % 15 == 0
    assert re.search(r"digest: next run \d{4}-\d\d-\d\d 07:00 CES?T", text), text
    assert "scheduler stopped" in text


@pytest.mark.slow
def test_run_goes_through_the_flows_offline_with_clean_output(tmp_path: Path) -> None:
    result = subprocess.run(
        [*NEWSMON, "run"],
        cwd=REPO_ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 2, result.stderr[-3000:]  # the only source is unreachable
    lines = result.stdout.strip().splitlines()
    digest = Path(lines[-1])
    assert digest.parent == tmp_path / "data" / "digests" and digest.exists()
    assert "seed corpus: 5 files, 5 new" in result.stdout
    assert "local-feed" in result.stdout and "unreachable" in result.stdout
    both = result.stdout + result.stderr
    for noise in ("Beginning flow run", "Finished in state", "| INFO", "prefect.flow_runs"):
        assert noise not in both, both[-3000:]
    # The three flows ran on the ephemeral API, whose database lives in PREFECT_HOME.
    with sqlite3.connect(tmp_path / "prefect-home" / "prefect.db") as db:
        runs = db.execute(
            "SELECT f.name, r.state_type FROM flow_run r JOIN flow f ON f.id = r.flow_id"
        ).fetchall()
    # The ingest whose only source failed is not a green Completed run in Prefect.
    assert sorted(runs) == [("digest", "COMPLETED"), ("ingest", "FAILED"), ("seed", "COMPLETED")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2024-03-05", "2024-03-01"], "end date 2024-03-01 is before start date 2024-03-05"),
        (["2024-03-01", "2024-03-02", "--source", "nos-rss"], "unknown source(s) nos-rss"),
        (["2020-01-01", "2024-03-05"], "the configured maximum is 366 days"),
        (["2024-03-01", "yesterday"], "END 'yesterday' is not a date"),
    ],
)
def test_backfill_refuses_bad_parameters_before_starting_prefect(
    args: list[str], message: str
) -> None:
    result = CliRunner().invoke(app, ["backfill", *args])
    assert result.exit_code == 2  # nothing could run
    assert message in " ".join(result.output.split())
