"""A database lost in the middle of ``newsmon ingest``: a few lines at default verbosity (the
one-line error last), the detail with ``-v``; a real process and a real PostgreSQL database
dropped under it."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests import cli_process
from tests.databases import PG_ADMIN_URL, fresh_postgres_database
from tests.site import NosSite

SOURCES = 40


def admin(sql: str) -> None:
    import psycopg

    dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(sql)


def fetched(url: str) -> int:
    import psycopg

    try:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
            row = connection.execute("SELECT count(*) FROM fetch_log").fetchone()
    except psycopg.Error:
        return 0
    return int(row[0]) if row else 0


def lose_database_mid_run(tmp_path: Path, site: NosSite, *flags: str) -> tuple[int, list[str]]:
    feeds = {f"slow-{i}": f"/misbehave/slow?delay=0.5&n={i}" for i in range(SOURCES)}
    sources = cli_process.write_sources(tmp_path / "sources.toml", site, feeds)
    with fresh_postgres_database() as url:
        env = cli_process.cli_env(url, sources, tmp_path / "data")
        assert cli_process.run(env, "db", "upgrade").returncode == 0
        process = cli_process.start(env, *flags, "ingest")
        deadline = time.monotonic() + 60
        while fetched(url) == 0:
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.1)
        name = url.rsplit("/", 1)[1]
        admin(f'DROP DATABASE "{name}" WITH (FORCE)')
        try:
            _, stderr = process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    return process.returncode, [line for line in stderr.splitlines() if line.strip()]


@pytest.mark.slow
@pytest.mark.postgres
def test_a_database_lost_mid_run_is_a_few_lines_and_the_detail_is_behind_v(
    tmp_path: Path, site: NosSite
) -> None:
    code, lines = lose_database_mid_run(tmp_path, site)
    assert code == 2, lines
    assert len(lines) <= 10, "\n".join(lines)
    assert lines[-1].startswith("error: cannot use the database")
    assert not any("Traceback" in line for line in lines)

    (tmp_path / "v").mkdir()
    code, verbose = lose_database_mid_run(tmp_path / "v", site, "-v")
    assert code == 2
    assert len(verbose) > len(lines), "\n".join(verbose)
