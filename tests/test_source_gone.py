"""A listing that answers 410 Gone disables its source with a clear status: it is skipped with
status ``gone`` and the reason (``newsmon sources``, the digest's source health) and not
requested again until its configured URL changes or ``newsmon sources reenable`` is run.
Both backends, through the real fetch path on the local NOS-like site."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from cli.main import app
from composition.settings import get_settings
from pipeline.ingest import IngestContext, IngestReport, run_ingest
from scrapers.sources import SourceConfig, SourcesConfig
from storage.db import session_scope
from storage.digest_health import source_health
from storage.sources import reenable_source
from tests.site import NosSite

GONE = "/opgeheven/feed.xml"


def poll(site: NosSite, engine: Engine, url: str) -> IngestReport:
    source = SourceConfig(name="opgeheven", kind="rss", url=url, allowed_hosts=site.hosts)
    config = SourcesConfig(fetch=site.fetch_config(), sources=(source,))
    return run_ingest(IngestContext(engine, config))


def test_a_gone_listing_is_skipped_with_status_gone_until_its_url_changes(
    site: NosSite, engine: Engine
) -> None:
    gone_url = site.add_page(GONE, b"Opgeheven", "text/plain", status=410)
    first = poll(site, engine, gone_url)
    assert first.source_status["opgeheven"] == "gone"

    site.reset_log()
    second = poll(site, engine, gone_url)
    assert second.source_status["opgeheven"] == "gone"
    assert site.requests(path=GONE) == []  # not polled again
    (error,) = second.sources["opgeheven"].errors
    assert "410 Gone" in error.error and "newsmon sources reenable opgeheven" in error.error
    with session_scope(engine) as session:
        day = datetime.now(UTC)
        health = source_health(session, day - timedelta(days=1), day + timedelta(days=1))
    (row,) = health.failing
    assert (row.name, row.status) == ("opgeheven", "gone")
    assert row.last_error is not None and "410 Gone" in row.last_error

    third = poll(site, engine, site.url("/nosnieuwsbuitenland"))  # the configuration moved on
    assert third.source_status["opgeheven"] == "ok"
    assert third.sources["opgeheven"].new > 0


def test_an_operator_reenables_a_gone_source(site: NosSite, engine: Engine) -> None:
    gone_url = site.add_page(GONE, b"Opgeheven", "text/plain", status=410)
    poll(site, engine, gone_url)
    with session_scope(engine) as session:
        assert reenable_source(session, "opgeheven")
    site.reset_log()
    poll(site, engine, gone_url)
    assert len(site.requests(path=GONE)) == 1  # asked again


def test_newsmon_sources_shows_gone_and_reenable_polls_again(
    site: NosSite, monkeypatch: pytest.MonkeyPatch, sqlite_url: str, tmp_path: Path
) -> None:
    gone_url = site.add_page(GONE, b"Opgeheven", "text/plain", status=410)
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[sources]]\nname = "opgeheven"\nkind = "rss"\nurl = "{gone_url}"\n'
        'allowed_hosts = ["127.0.0.1"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("NEWSMON_SOURCES_FILE", str(sources))
    monkeypatch.setenv("NEWSMON_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEWSMON_DATA_DIR", str(tmp_path / "data"))

    def invoke(*args: str) -> tuple[int, str]:
        get_settings.cache_clear()
        result = CliRunner().invoke(app, list(args))
        return result.exit_code, result.output

    invoke("ingest")
    site.reset_log()
    invoke("ingest")
    assert site.requests(path=GONE) == []
    code, out = invoke("sources", "--json")
    (entry,) = [json.loads(line) for line in out.splitlines()]
    assert entry["status"] == "gone" and "410 Gone" in entry["last_error"]

    assert invoke("sources", "reenable", "opgeheven") == (
        0,
        "opgeheven: re-enabled; the next poll requests its listing again\n",
    )
    invoke("ingest")
    assert len(site.requests(path=GONE)) == 1
    code, out = invoke("sources", "reenable", "bestaat-niet")
    assert code == 2 and "bestaat-niet" in out and "opgeheven" in out
