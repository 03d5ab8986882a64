"""End to end: a real Prefect server, ``newsmon serve``, a backfill started through the API.

Slow (a server and a serving process start): ``pytest -m slow``.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import select

from processing.urls import canonicalize_url
from storage.db import make_engine, session_scope
from storage.models import Article, CrawlProgress
from tests.prefect_fixtures import (
    BIN,
    DEPLOYMENTS,
    REPO_ROOT,
    SERVED_DAYS,
    SERVED_SCHEDULE,
    ServedNewsmon,
    stop_process,
)
from tests.site.content import catalogue

pytestmark = pytest.mark.slow


async def _deployments() -> dict[str, Any]:
    async with get_client() as client:
        found = {}
        for name in DEPLOYMENTS:
            found[name] = await client.read_deployment_by_name(name)
        return found


def _stored(url: str) -> tuple[set[str], list[tuple[str, str]]]:
    """Stored canonical URLs, and the finished (source, day) pairs."""
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            urls = set(session.scalars(select(Article.canonical_url)))
            done = session.execute(
                select(CrawlProgress.source_name, CrawlProgress.day)
                .where(CrawlProgress.status == "done")
                .order_by(CrawlProgress.source_name, CrawlProgress.day)
            ).all()
            return urls, [(name, day.isoformat()) for name, day in done]
    finally:
        engine.dispose()


def test_serve_registers_the_deployments_and_runs_a_backfill(
    served_newsmon: ServedNewsmon,
) -> None:
    served = served_newsmon
    with temporary_settings(updates={PREFECT_API_URL: served.api_url}):
        deployments = asyncio.run(_deployments())

        ingest, digest, backfill, retag = (deployments[name] for name in DEPLOYMENTS)
        (ingest_schedule,) = ingest.schedules
        assert ingest_schedule.schedule.cron == SERVED_SCHEDULE.ingest_cron
        assert ingest_schedule.schedule.timezone == "Europe/Amsterdam"
        assert ingest_schedule.active
        (digest_schedule,) = digest.schedules
        assert digest_schedule.schedule.cron == SERVED_SCHEDULE.digest_cron
        assert digest_schedule.schedule.timezone == "Europe/Amsterdam"
        assert digest.parameters == {"send_email": True, "previous_day": True}
        assert backfill.schedules == [] and retag.schedules == []
        since = retag.parameter_openapi_schema["properties"]["since"]
        assert since["anyOf"][0]["format"] == "date" and since["description"]
        assert not ingest.paused and not digest.paused

        schema = backfill.parameter_openapi_schema
        props = schema["properties"]
        assert props["start"]["format"] == "date"
        assert props["end"]["format"] == "date"
        assert set(schema["required"]) == {"start", "end"}
        assert props["sources"]["type"] == "array"
        assert props["sources"]["items"]["enum"] == ["nos-archief", "nos-sitemap"]
        assert props["refetch"]["type"] == "boolean"
        assert all(props[name].get("description") for name in props)

        first, last = SERVED_DAYS[0].isoformat(), SERVED_DAYS[-1].isoformat()
        run = run_deployment(
            "backfill/backfill-days", parameters={"start": first, "end": last}, timeout=180
        )
        assert run.state is not None
        assert run.state.is_completed(), (run.state, served.log.read_text()[-3000:])
        urls, done = _stored(served.database_url)
        expected = {
            canonicalize_url(served.site.url(article.path))
            for article in catalogue().on_day(SERVED_DAYS[-1])
            if article.kind == "artikel"
        }
        assert expected
        assert expected <= urls, served.log.read_text()[-3000:]
        assert done == [
            (name, day.isoformat())
            for name in ("nos-archief", "nos-sitemap")
            for day in SERVED_DAYS
        ]
        assert run.state.name == "Completed"

        bad = run_deployment(
            "backfill/backfill-days", parameters={"start": last, "end": first}, timeout=180
        )
        assert bad.state is not None
        assert bad.state.is_failed()
        assert "is before start date" in (bad.state.message or "")


def test_stopping_serve_leaves_the_schedules_active(served_newsmon: ServedNewsmon) -> None:
    """A restart must not pause the schedules (``pause_on_shutdown=False``)."""
    served = served_newsmon
    log = served.workdir / "serve-restart.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN / "newsmon"), "serve"],
            cwd=REPO_ROOT,
            env=served.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while "being served" not in log.read_text(errors="replace"):
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.3)
    finally:
        stop_process(proc)
    stopped = log.read_text(errors="replace")
    assert "never awaited" not in stopped, stopped[-3000:]  # Prefect's SIGTERM, quietly
    with temporary_settings(updates={PREFECT_API_URL: served.api_url}):
        deployments = asyncio.run(_deployments())
    for name in ("ingest/poll-sources", "digest/daily-digest"):
        assert not deployments[name].paused, name
        assert all(schedule.active for schedule in deployments[name].schedules), name


async def _scheduled_starts(deployment_id: Any) -> list[datetime]:
    """Expected start times of the deployment's runs the server has scheduled."""
    async with get_client() as client:
        runs = await client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
            ),
        )
    return [run.expected_start_time for run in runs if run.expected_start_time is not None]


def test_the_server_turns_the_crons_into_scheduled_runs(served_newsmon: ServedNewsmon) -> None:
    """What users of ``newsmon serve`` rely on: the server's scheduler makes runs of the crons.

    Prefect 3.8's scheduler made none with SQLAlchemy 2.1 installed beside it ("Can't evaluate
    bulk DML statement" in the server log), which ``pyproject.toml`` now rules out."""
    served = served_newsmon
    zone = ZoneInfo(SERVED_SCHEDULE.timezone)
    with temporary_settings(updates={PREFECT_API_URL: served.api_url}):
        deployments = asyncio.run(_deployments())
        starts: dict[str, list[datetime]] = {}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            starts = {
                name: asyncio.run(_scheduled_starts(deployments[name].id))
                for name in ("ingest/poll-sources", "digest/daily-digest")
            }
            if all(starts.values()):
                break
            time.sleep(1)
    logs = served.workdir.parent.glob("prefect-server*/prefect-server.log")  # the session's
    server_log = "".join(log.read_text(errors="replace") for log in logs)
    assert all(starts.values()), (starts, server_log[-3000:])
    local = {name: {t.astimezone(zone) for t in times} for name, times in starts.items()}
    assert {(t.month, t.day, t.hour, t.minute) for t in local["ingest/poll-sources"]} == {
        (2, 29, 4, 0)
    }
    assert {(t.month, t.day, t.hour, t.minute) for t in local["digest/daily-digest"]} == {
        (2, 29, 6, 30)
    }
