"""The docker-compose topology without Docker: PostgreSQL, a Prefect server on it, two
``newsmon serve`` runners and an SMTP server, end to end.

This machine's PostgreSQL holds a fresh newsmon database and a fresh Prefect database;
``prefect server start`` runs on the latter; two ``newsmon serve`` processes serve the same
deployments (as ``docker compose up --scale newsmon=2`` would); aiosmtpd stands in for Mailpit.
Runs are started through the Prefect REST API, as the UI does. An ingest from the local
NOS-like site and an emailed digest follow, every piece of state in PostgreSQL, no article
stored twice, each run executed by exactly one runner, and the digest still runs after one
runner stopped.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from aiosmtpd.controller import Controller

from tests.conftest import REPO_ROOT, SEEDS_DIR
from tests.databases import fresh_postgres_database
from tests.prefect_fixtures import BIN, free_port, prefect_env, stop_process, wait_for_http
from tests.site.server import NosSite

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(600)]

RECIPIENT = "desk@example.org"
RUNNERS = 2
FINAL_STATES = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
# Far-away crons: during the test only the runs we start exist.
NEVER = "0 3 1 1 *"
SERVING = "being served and polling for scheduled runs"


@dataclass
class Inbox:
    """aiosmtpd handler keeping (recipients, raw message) of every email."""

    messages: list[tuple[list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"


@dataclass
class Cluster:
    api_url: str
    newsmon_dsn: str
    prefect_dsn: str
    inbox: Inbox
    runners: list[subprocess.Popen[bytes]]
    logs: list[Path]


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _sources_file(path: Path, site: NosSite) -> Path:
    path.write_text(
        f"""
[fetch]
user_agent = "newsmon-e2e/0.1 (+https://example.org/newsmon)"
min_interval_s = 0.05
timeout_s = 2
retries = 1
backoff_base_s = 0.05
backoff_max_s = 0.2

[schedule]
ingest_cron = "{NEVER}"
digest_cron = "{NEVER}"
timezone = "Europe/Amsterdam"

[[sources]]
name = "nos-algemeen"
kind = "rss"
url = "{site.url("/nosnieuwsalgemeen")}"
allowed_hosts = ["{site.host}"]

[[sources]]
name = "nos-buitenland"
kind = "rss"
url = "{site.url("/nosnieuwsbuitenland")}"
allowed_hosts = ["{site.host}"]
""",
        encoding="utf-8",
    )
    return path


@contextlib.contextmanager
def _started(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            args, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        yield proc
    finally:
        stop_process(proc)


def _deployments(api_url: str) -> set[str]:
    response = httpx.post(f"{api_url}/deployments/filter", json={}, timeout=5)
    response.raise_for_status()
    flows = httpx.post(f"{api_url}/flows/filter", json={}, timeout=5).json()
    names = {f["id"]: f["name"] for f in flows}
    return {f"{names.get(d['flow_id'])}/{d['name']}" for d in response.json()}


@pytest.fixture
def cluster(site: NosSite, tmp_path: Path) -> Iterator[Cluster]:
    """Both databases, the Prefect server, the SMTP server and two runners; all stopped after."""
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    with (
        fresh_postgres_database("newsmon_e2e") as newsmon_url,
        fresh_postgres_database("prefect_e2e") as prefect_url,
        contextlib.ExitStack() as stack,
    ):
        smtp.start()
        stack.callback(smtp.stop)
        port = free_port()
        api_url = f"http://127.0.0.1:{port}/api"
        server_env = prefect_env(tmp_path / "prefect-home")
        server_env["PREFECT_API_DATABASE_CONNECTION_URL"] = prefect_url.replace(
            "postgresql+psycopg://", "postgresql+asyncpg://"
        )
        server_log = tmp_path / "prefect-server.log"
        server = stack.enter_context(
            _started(
                [
                    str(BIN / "prefect"),
                    "server",
                    "start",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                server_env,
                server_log,
            )
        )
        wait_for_http(f"{api_url}/health", server, server_log, timeout=180)

        env = prefect_env(tmp_path / "runner-home", api_url=api_url)
        env.update(
            NEWSMON_DATABASE_URL=newsmon_url,
            NEWSMON_DATA_DIR=str(tmp_path / "data"),
            NEWSMON_SEEDS_DIR=str(SEEDS_DIR),
            NEWSMON_SOURCES_FILE=str(_sources_file(tmp_path / "sources.toml", site)),
            NEWSMON_SMTP_HOST="127.0.0.1",
            NEWSMON_SMTP_PORT=str(smtp.port),
            NEWSMON_DIGEST_TO=RECIPIENT,
            PREFECT_RUNNER_POLL_FREQUENCY="2",
        )
        # The one-shot `migrate` service of the compose file.
        migrate = subprocess.run(
            [str(BIN / "newsmon"), "db", "upgrade"], cwd=REPO_ROOT, env=env,
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert migrate.returncode == 0, migrate.stderr
        logs = [tmp_path / f"serve-{i}.log" for i in range(RUNNERS)]
        runners = [
            stack.enter_context(_started([str(BIN / "newsmon"), "serve"], env, log)) for log in logs
        ]
        # Both runners registered the deployments and poll for runs (as `serve` reports).
        deadline = time.monotonic() + 180
        while not all(SERVING in log.read_text(errors="replace") for log in logs):
            for proc, log in zip(runners, logs, strict=True):
                if proc.poll() is not None:
                    pytest.fail(f"newsmon serve exited:\n{log.read_text()[-4000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"runners did not start serving:\n{logs[0].read_text()[-4000:]}")
            time.sleep(1)
        assert _deployments(api_url) == {
            "ingest/poll-sources",
            "digest/daily-digest",
            "backfill/backfill-days",
            "retag/retag-articles",
        }
        yield Cluster(api_url, _dsn(newsmon_url), _dsn(prefect_url), inbox, runners, logs)


def _run(cluster: Cluster, deployment: str, parameters: dict[str, Any] | None = None) -> str:
    """Start a run of ``deployment`` as the UI's "Run" button does; wait for its final state."""
    api = cluster.api_url
    found = httpx.get(f"{api}/deployments/name/{deployment}", timeout=10)
    found.raise_for_status()
    created = httpx.post(
        f"{api}/deployments/{found.json()['id']}/create_flow_run",
        json={"parameters": parameters or {}},
        timeout=10,
    )
    created.raise_for_status()
    run_id = created.json()["id"]
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        state = httpx.get(f"{api}/flow_runs/{run_id}", timeout=10).json()["state"]
        if state["type"] in FINAL_STATES:
            assert state["type"] == "COMPLETED", (state, _tail(cluster))
            return str(run_id)
        time.sleep(1)
    pytest.fail(f"{deployment} run {run_id} did not finish:\n{_tail(cluster)}")


def _tail(cluster: Cluster) -> str:
    return "\n---\n".join(log.read_text()[-3000:] for log in cluster.logs)


def _query(dsn: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn) as conn:
        return list(conn.execute(sql).fetchall())


def test_ingest_and_digest_on_postgres_with_two_runners(cluster: Cluster, site: NosSite) -> None:
    first = _run(cluster, "ingest/poll-sources")
    (stored,) = _query(cluster.newsmon_dsn, "SELECT count(*) FROM articles")[0]
    assert stored >= 5 + 10, "the five seeds and the site's articles"

    second = _run(cluster, "ingest/poll-sources")
    # A runner going away does not stop the cluster: the other one takes the next run.
    stop_process(cluster.runners[0])
    # Today's digest: the deployment's default (yesterday) has no stories and is not mailed.
    digest = _run(cluster, "digest/daily-digest", {"send_email": True, "previous_day": False})

    # No article stored twice, and the second ingest stored nothing new.
    assert _query(cluster.newsmon_dsn, "SELECT count(*) FROM articles")[0][0] == stored
    duplicates = _query(
        cluster.newsmon_dsn,
        "SELECT canonical_url FROM articles GROUP BY canonical_url HAVING count(*) > 1",
    )
    assert duplicates == []
    # Every stored article was counted new exactly once, all of them in the first run.
    new_by_source = _query(
        cluster.newsmon_dsn,
        "SELECT source_name, count(*), sum(new) FROM ingest_run_sources GROUP BY source_name",
    )
    assert sum(row[2] for row in new_by_source) == stored
    # Each Prefect run was executed by exactly one of the two runners: every feed source was
    # ingested once per run, and its feed requested once per run.
    runs_per_source = {name: n for name, n, _new in new_by_source}
    assert runs_per_source["nos-algemeen"] == runs_per_source["nos-buitenland"] == 2
    for feed in ("/nosnieuwsalgemeen", "/nosnieuwsbuitenland"):
        assert len(site.requests(path=feed)) == 2, feed
    # The stored validators made the second request of a feed conditional (304).
    assert [r.status for r in site.requests(path="/nosnieuwsbuitenland")] == [200, 304]

    # The digest was emailed once, and its record is in newsmon's PostgreSQL database.
    assert [to for to, _ in cluster.inbox.messages] == [[RECIPIENT]]
    assert b"newsmon digest" in cluster.inbox.messages[0][1]
    sends = _query(cluster.newsmon_dsn, "SELECT recipient, status FROM digest_sends")
    assert sends == [(RECIPIENT, "sent")]
    assert _query(cluster.newsmon_dsn, "SELECT count(*) FROM digests")[0][0] == 1
    # Requests were paced through the shared lease table (NEWSMON_PACER=auto on PostgreSQL).
    assert _query(cluster.newsmon_dsn, "SELECT host FROM host_leases") == [(site.host,)]

    # Prefect's own state is in its PostgreSQL database: the three runs, completed.
    completed = _query(
        cluster.prefect_dsn,
        "SELECT id::text FROM flow_run WHERE state_type = 'COMPLETED'",
    )
    assert {first, second, digest} <= {row[0] for row in completed}
    assert cluster.runners[1].poll() is None, "the second runner is still serving"
