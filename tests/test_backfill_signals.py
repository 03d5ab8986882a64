"""SIGTERM stops `newsmon backfill` with one line and exit 143, and the temporary Prefect API
server it started goes with it."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import psutil
from sqlalchemy import Engine, func, select

from storage.db import session_scope
from storage.models import Article
from tests.cli_process import FAST_FETCH, cli_env, start
from tests.prefect_fixtures import prefect_env
from tests.site import NosSite


def test_sigterm_stops_backfill_and_its_temporary_prefect_server(
    site: NosSite, sqlite_url: str, sqlite_engine: Engine, tmp_path: Path
) -> None:
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
    try:
        deadline = time.monotonic() + 120
        stored = 0
        while time.monotonic() < deadline and not (servers and stored >= 5):
            assert proc.poll() is None, proc.communicate()
            servers = [
                child
                for child in psutil.Process(proc.pid).children(recursive=True)
                if "uvicorn" in " ".join(child.cmdline())
            ]
            with session_scope(sqlite_engine) as session:
                stored = session.scalar(select(func.count(Article.id))) or 0
            time.sleep(0.2)
        assert servers and stored >= 5, "the backfill never got going"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        _, left = psutil.wait_procs(servers, timeout=10)
        for server in left:  # never leave this test's own server behind, even on failure
            server.kill()
    assert proc.returncode == 143, out + err
    assert left == [], "the temporary Prefect server outlived the backfill"
    lines = [line for line in err.splitlines() if line.startswith("interrupted by ")]
    assert len(lines) == 1 and lines[0].startswith("interrupted by SIGTERM: backfill "), err
    assert "Traceback" not in err
