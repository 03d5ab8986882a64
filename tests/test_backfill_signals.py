"""A stopped or killed `newsmon backfill` leaves no temporary Prefect API server behind; SIGTERM
stops it with one line and exit 143, and its run is recorded as interrupted."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest
from sqlalchemy import Engine, func, select

from storage.db import session_scope
from storage.models import Article, IngestRun
from tests.cli_process import FAST_FETCH, cli_env, start
from tests.prefect_fixtures import prefect_env
from tests.site import NosSite

pytestmark = pytest.mark.slow


def started_backfill(
    site: NosSite, sqlite_url: str, engine: Engine, tmp_path: Path
) -> tuple[subprocess.Popen[str], list[psutil.Process]]:
    """A backfill of 20 generated days, once its API server runs and it has stored pages."""
    sources = tmp_path / "sources.toml"
    sources.write_text(
        FAST_FETCH + f'[[sources]]\nname = "gen-archief"\nkind = "archive"\n'
        f'url = "{site.url("/gen/archief/{date}")}"\nallowed_hosts = ["127.0.0.1"]\n',
        encoding="utf-8",
    )
    env = {
        **prefect_env(tmp_path / "prefect-home"),
        **cli_env(sqlite_url, sources, tmp_path / "data"),
    }
    proc = start(env, "backfill", "2024-01-01", "2024-01-20")
    servers: list[psutil.Process] = []
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and not (servers and stored >= 5):
        if proc.poll() is not None:
            break
        servers = [
            child
            for child in psutil.Process(proc.pid).children(recursive=True)
            if "prefect.server.api.server:create_app" in " ".join(child.cmdline())
        ]
        with session_scope(engine) as session:
            stored = session.scalar(select(func.count(Article.id))) or 0
        time.sleep(0.2)
    return proc, servers


@pytest.mark.parametrize(
    ("signum", "code"),
    [
        pytest.param(signal.SIGTERM, 143, id="SIGTERM"),
        pytest.param(signal.SIGKILL, -9, id="SIGKILL"),
    ],
)
def test_a_stopped_or_killed_backfill_leaves_no_temporary_prefect_server(
    site: NosSite,
    sqlite_url: str,
    sqlite_engine: Engine,
    tmp_path: Path,
    signum: signal.Signals,
    code: int,
) -> None:
    proc, servers = started_backfill(site, sqlite_url, sqlite_engine, tmp_path)
    left: list[psutil.Process] = []
    try:
        assert proc.poll() is None and servers, proc.communicate()
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
        _, left = psutil.wait_procs(servers, timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        for server in psutil.wait_procs(servers, timeout=1)[1]:
            server.kill()  # never leave this test's own server behind, even on failure
    assert proc.returncode == code, out + err
    assert left == [], "the temporary Prefect server outlived the backfill"
    if signum == signal.SIGTERM:
        lines = [line for line in err.splitlines() if line.startswith("interrupted by ")]
        assert len(lines) == 1 and lines[0].startswith("interrupted by SIGTERM: backfill "), err
        assert "Traceback" not in err
        with session_scope(sqlite_engine) as session:  # closed now, not "abandoned" later
            runs = session.scalars(select(IngestRun.status).where(IngestRun.trigger == "backfill"))
            assert list(runs) == ["interrupted"]
