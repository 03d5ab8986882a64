"""The one Prefect test harness for the whole session (starting it costs about 9 s).

Tests that run flows request ``prefect_harness``; everything else never pays for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from scrapers.sources import ScheduleConfig, SourcesConfig
from tests.databases import migrated_sqlite_url
from tests.site.content import ARCHIVE_DAYS
from tests.site.server import NosSite

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

BIN = Path(sys.executable).parent
REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[str]:
    """A temporary Prefect API (own SQLite database) shared by every flow test; yields its URL."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield str(PREFECT_API_URL.value())


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prefect_env(home: Path, api_url: str | None = None) -> dict[str, str]:
    """The environment of a Prefect subprocess: own home, no analytics, quiet, loopback only."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PREFECT_", "NEWSMON_")) or key == "NEWSMON_TEST_PG_URL"
    }
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="INFO",
        PREFECT_UI_ENABLED="true",
        NO_PROXY="127.0.0.1,localhost",
    )
    if api_url is not None:
        env["PREFECT_API_URL"] = api_url
    return env


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """Stop a subprocess this test session started, and its children (own process group)."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def wait_for_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    """Poll ``url`` until it answers 200; fail with the process log if it dies or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"process exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {timeout} s:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def running_prefect_server(workdir: Path) -> Iterator[str]:
    """``prefect server start`` on a free loopback port; yields its API URL, always stops it."""
    home = workdir / "prefect-home"
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = workdir / "prefect-server.log"
    env = prefect_env(home)
    env["PREFECT_UI_API_URL"] = f"http://127.0.0.1:{port}/api"  # the UI's browser calls
    # Schedule as far ahead as the next 29 February (SERVED_SCHEDULE), not 100 days.
    env["PREFECT_SERVER_SERVICES_SCHEDULER_MAX_SCHEDULED_TIME"] = "P1500D"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/health", proc, log)
        yield f"http://127.0.0.1:{port}/api"
    finally:
        stop_process(proc)


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Prefect server for the slow end-to-end tests; yields the API URL."""
    with running_prefect_server(tmp_path_factory.mktemp("prefect-server")) as api_url:
        yield api_url


@dataclass
class ServedNewsmon:
    """``newsmon serve`` running against :func:`prefect_server`, on the local site and a tmp DB."""

    api_url: str
    database_url: str
    site: NosSite
    config: SourcesConfig
    workdir: Path
    log: Path
    env: dict[str, str]

    @property
    def ui_url(self) -> str:
        return self.api_url.removesuffix("/api")


DEPLOYMENTS = (
    "ingest/poll-sources",
    "digest/daily-digest",
    "backfill/backfill-days",
    "retag/retag-articles",
)
#: The served deployments' schedules: real crons the server turns into scheduled runs, on a
#: day (29 February) no test session reaches, so no scheduled run starts under a test.
SERVED_SCHEDULE = ScheduleConfig(ingest_cron="0 4 29 2 *", digest_cron="30 6 29 2 *")
#: A day of the local site's archive with articles, and the (empty) day before it.
SERVED_DAYS = (ARCHIVE_DAYS[1] - timedelta(days=1), ARCHIVE_DAYS[1])


def _deployments_ready(api_url: str) -> bool:
    response = httpx.post(f"{api_url}/deployments/filter", json={}, timeout=5)
    response.raise_for_status()
    names = {d["name"] for d in response.json()}
    return names >= {name.split("/")[1] for name in DEPLOYMENTS}


@pytest.fixture(scope="session")
def served_newsmon(
    prefect_server: str, nos_site: NosSite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedNewsmon]:
    """Serve the four deployments in a subprocess (killed at the end of the session)."""
    workdir = tmp_path_factory.mktemp("newsmon-serve")
    database_url = migrated_sqlite_url(workdir)
    config = nos_site.sources_config()
    config = config.model_copy(update={"schedule": SERVED_SCHEDULE})
    sources = write_sources_toml(config, workdir / "sources.toml")
    env = prefect_env(workdir / "prefect-home", api_url=prefect_server)
    env.update(
        NEWSMON_DATABASE_URL=database_url,
        NEWSMON_DATA_DIR=str(workdir / "data"),
        NEWSMON_SEEDS_DIR=str(REPO_ROOT / "seeds"),
        NEWSMON_SOURCES_FILE=str(sources),
    )
    log = workdir / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN / "newsmon"), "serve"],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while not _deployments_ready(prefect_server):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"newsmon serve did not register:\n{log.read_text()[-4000:]}")
            time.sleep(0.5)
        yield ServedNewsmon(prefect_server, database_url, nos_site, config, workdir, log, env)
    finally:
        stop_process(proc)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def write_sources_toml(config: SourcesConfig, path: Path) -> Path:
    """Write ``config`` (e.g. the local site's ``sources_config()``) as a sources file."""
    lines = ["[fetch]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in config.fetch.model_dump().items()]
    lines.append("[schedule]")
    lines += [f"{k} = {_toml_value(v)}" for k, v in config.schedule.model_dump().items()]
    for source in config.sources:
        lines.append("[[sources]]")
        lines += [
            f"{k} = {_toml_value(v)}" for k, v in source.model_dump().items() if v is not None
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
