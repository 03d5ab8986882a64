"""The ingest flow against the local NOS-like site: batched tasks, counts, the run artifact."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from composition.settings import get_settings
from flows.ingest_flow import ARTIFACT_KEY, ingest
from storage.db import make_engine, session_scope
from storage.models import Article, IngestRun
from storage.runs import latest_runs
from tests.conftest import SEEDS_DIR
from tests.prefect_fixtures import write_sources_toml
from tests.site.server import NosSite

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def configured(
    site: NosSite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str
) -> str:
    config = site.generated_sources_config(count=60)
    monkeypatch.setenv("NEWSMON_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEWSMON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSMON_SEEDS_DIR", str(SEEDS_DIR))
    monkeypatch.setenv(
        "NEWSMON_SOURCES_FILE", str(write_sources_toml(config, tmp_path / "sources.toml"))
    )
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
    configured: str, site: NosSite
) -> None:
    state = ingest(sources=["gen-feed"], return_state=True)
    assert state.is_completed(), state.message
    summary = state.result()
    assert summary["status"] == "ok"
    row = summary["sources"]["gen-feed"]
    assert (row["discovered"], row["new"], row["failed"]) == (60, 60, 0)

    runs = asyncio.run(_task_runs(state.state_details.flow_run_id))
    names = [run.name for run in runs]
    # one seed task, one task for the source and the publish task: never a task per article
    assert len(runs) == 3, names
    assert sum(name.startswith("publish") for name in names) == 1
    assert names.count("ingest-gen-feed") == 1

    (artifact,) = [a for a in asyncio.run(_artifacts()) if a.key == ARTIFACT_KEY]
    assert artifact.type == "table"
    assert "gen-feed" in str(artifact.data)

    again = ingest(sources=["gen-feed"])
    assert again["sources"]["gen-feed"]["new"] == 0
    assert again["sources"]["gen-feed"]["known"] == 60
    assert len(site.requests(prefix="/gen/artikel/")) == 60  # no article fetched twice

    engine = make_engine(configured)
    with session_scope(engine) as session:
        assert session.query(Article).filter(Article.origin == "rss").count() == 60
        runs = latest_runs(session, 2)
        assert [r.status for r in runs] == ["ok", "ok"]
        assert session.query(IngestRun).count() == 2 + 2  # two seed runs, two ingest runs
    engine.dispose()


@pytest.fixture
def one_broken(site: NosSite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """The generated feed and a malformed one (``kapot``) as the configured sources."""
    base = site.generated_sources_config(count=5)
    broken = base.sources[0].model_copy(
        update={"name": "kapot", "url": site.url("/feeds/kapot.xml")}
    )
    config = base.model_copy(update={"sources": (base.sources[0], broken)})
    monkeypatch.setenv(
        "NEWSMON_SOURCES_FILE", str(write_sources_toml(config, tmp_path / "sources.toml"))
    )
    get_settings.cache_clear()
    return "kapot"


def test_a_run_with_a_failed_source_ends_partial_naming_it_and_its_task_failed(
    configured: str, one_broken: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        state = ingest(return_state=True)
    assert state.is_failed() and state.name == "Partial"  # not a green Completed run
    assert state.message.startswith("1 of 2 sources failed: kapot: parse_error: ")
    assert "malformed feed" in state.message
    summary = state.result(raise_on_failure=False)  # the counts are still there
    assert summary["status"] == "partial"
    assert [row["source"] for row in summary["sources"].values()] == ["kapot", "gen-feed"]
    assert summary["sources"]["gen-feed"]["new"] == 5

    runs = {run.name: run for run in asyncio.run(_task_runs(state.state_details.flow_run_id))}
    assert runs["ingest-kapot"].state.type.value == "FAILED"
    assert "malformed feed" in (runs["ingest-kapot"].state.message or "")
    assert runs["ingest-kapot"].run_count == 1  # a failed source is not retried at once
    assert runs["ingest-gen-feed"].state.is_completed()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(m.startswith("kapot: failing: parse_error:") for m in warnings), warnings

    (artifact,) = [a for a in asyncio.run(_artifacts()) if a.key == ARTIFACT_KEY]
    assert str(artifact.data).index("kapot") < str(artifact.data).index("gen-feed")  # errors first
