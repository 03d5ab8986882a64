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
from sqlalchemy import select

from processing.urls import canonicalize_url
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
        assert ingest_schedule.schedule.cron == "*/30 * * * *"
        assert ingest_schedule.schedule.timezone == "Europe/Amsterdam"
        assert ingest_schedule.active
        (digest_schedule,) = digest.schedules
        assert digest_schedule.schedule.cron == "0 7 * * *"
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
    with temporary_settings(updates={PREFECT_API_URL: served.api_url}):
        deployments = asyncio.run(_deployments())
    for name in ("ingest/poll-sources", "digest/daily-digest"):
        assert not deployments[name].paused, name
        assert all(schedule.active for schedule in deployments[name].schedules), name
