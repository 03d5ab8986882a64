"""The ingest flow against the local NOS-like site: batched tasks, counts, the run artifact."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from flows.ingest_flow import ARTIFACT_KEY, ingest
from flows.settings import get_settings
from scrapers.archive import today_in_amsterdam
from storage.db import make_engine, session_scope
from storage.models import Article, IngestRun
from storage.runs import latest_runs
from tests.conftest import SEEDS_DIR
from tests.flow_site import FlowSite, running_site

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def site() -> Iterator[FlowSite]:
    with running_site(FlowSite(days=[today_in_amsterdam()], per_day=60)) as running:
        yield running


@pytest.fixture
def configured(
    site: FlowSite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str
) -> str:
    monkeypatch.setenv("NEWSMON_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEWSMON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSMON_SEEDS_DIR", str(SEEDS_DIR))
    monkeypatch.setenv("NEWSMON_SOURCES_FILE", str(site.sources_toml(tmp_path / "sources.toml")))
    get_settings.cache_clear()
    return sqlite_url


async def _task_runs(flow_run_id: Any) -> list[Any]:
    async with get_client() as client:
        return list(
            await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            )
        )


async def _artifacts() -> list[Any]:
    async with get_client() as client:
        return list(await client.read_latest_artifacts(limit=100))


def test_ingest_stores_new_articles_once_in_batches_and_publishes_counts(
    configured: str, site: FlowSite
) -> None:
    state = ingest(return_state=True)
    assert state.is_completed(), state.message
    summary = state.result()
    assert summary["status"] == "ok"
    row = summary["sources"]["nos-archief"]
    assert (row["discovered"], row["new"], row["failed"]) == (60, 60, 0)

    runs = asyncio.run(_task_runs(state.state_details.flow_run_id))
    names = [run.name for run in runs]
    # one seed task, one discovery, two chunks of at most 50 URLs: never a task per article
    assert len(runs) == 4, names
    assert names.count("discover-nos-archief") == 1
    assert names.count("fetch-nos-archief") == 2

    (artifact,) = [a for a in asyncio.run(_artifacts()) if a.key == ARTIFACT_KEY]
    assert artifact.type == "table"
    assert "nos-archief" in str(artifact.data)

    again = ingest()
    assert again["sources"]["nos-archief"]["new"] == 0
    assert again["sources"]["nos-archief"]["known"] == 60
    assert site.article_requests == 60  # known URLs are not fetched again

    engine = make_engine(configured)
    with session_scope(engine) as session:
        assert session.query(Article).filter(Article.origin == "archive").count() == 60
        runs = latest_runs(session, 2)
        assert [r.status for r in runs] == ["ok", "ok"]
        assert session.query(IngestRun).count() == 2 + 2  # two seed runs, two ingest runs
    engine.dispose()
