"""End to end: a real Prefect server, ``newsmon serve``, a backfill started through the API.

Slow (a server and a serving process start): ``pytest -m slow``.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import func, select

from storage.db import make_engine, session_scope
from storage.models import Article, CrawlProgress
from tests.prefect_fixtures import (
    BIN,
    DEPLOYMENTS,
    REPO_ROOT,
    SERVED_DAYS,
    ServedNewsmon,
    stop_process,
)

pytestmark = pytest.mark.slow


async def _deployments() -> dict[str, Any]:
    async with get_client() as client:
        found = {}
        for name in DEPLOYMENTS:
            found[name] = await client.read_deployment_by_name(name)
        return found


def _counts(url: str) -> tuple[int, list[str]]:
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            n = session.scalar(
                select(func.count()).select_from(Article).where(Article.origin == "archive")
            )
            days = session.scalars(
                select(CrawlProgress.day)
                .where(CrawlProgress.status == "done")
                .order_by(CrawlProgress.day)
            )
            return int(n or 0), [d.isoformat() for d in days]
    finally:
        engine.dispose()


def test_serve_registers_three_scheduled_deployments_and_runs_a_backfill(
    served_newsmon: ServedNewsmon,
) -> None:
    served = served_newsmon
    with temporary_settings(updates={PREFECT_API_URL: served.api_url}):
        deployments = asyncio.run(_deployments())

        ingest, digest, backfill = (deployments[name] for name in DEPLOYMENTS)
        (ingest_schedule,) = ingest.schedules
        assert ingest_schedule.schedule.cron == "*/30 * * * *"
        assert ingest_schedule.schedule.timezone == "Europe/Amsterdam"
        assert ingest_schedule.active
        (digest_schedule,) = digest.schedules
        assert digest_schedule.schedule.cron == "0 7 * * *"
        assert digest_schedule.schedule.timezone == "Europe/Amsterdam"
        assert digest.parameters == {"send_email": True}
        assert backfill.schedules == []
        assert not ingest.paused and not digest.paused

        schema = backfill.parameter_openapi_schema
        props = schema["properties"]
        assert props["start"]["format"] == "date"
        assert props["end"]["format"] == "date"
        assert set(schema["required"]) == {"start", "end"}
        assert props["sources"]["type"] == "array"
        assert props["sources"]["items"]["enum"] == ["nos-archief"]
        assert props["refetch"]["type"] == "boolean"
        assert all(props[name].get("description") for name in props)

        first, last = SERVED_DAYS[0].isoformat(), SERVED_DAYS[-1].isoformat()
        run = run_deployment(
            "backfill/newsmon",
            parameters={"start": first, "end": last, "sources": ["nos-archief"]},
            timeout=180,
        )
        assert run.state is not None
        assert run.state.is_completed(), (run.state, served.log.read_text()[-3000:])
        n, days = _counts(served.database_url)
        assert n == len(SERVED_DAYS) * served.site.per_day, served.log.read_text()[-3000:]
        assert days == [d.isoformat() for d in SERVED_DAYS]

        bad = run_deployment(
            "backfill/newsmon", parameters={"start": last, "end": first}, timeout=180
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
    with temporary_settings(updates={PREFECT_API_URL: served.api_url}):
        deployments = asyncio.run(_deployments())
    for name in ("ingest/newsmon", "digest/newsmon"):
        assert not deployments[name].paused, name
        assert all(schedule.active for schedule in deployments[name].schedules), name
