"""`newsmon ingest` and `newsmon sources` as an operator runs them (in-process CLI, local site)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.common import console
from cli.main import app
from composition.settings import get_settings
from tests.site import NosSite


@pytest.fixture
def configured(
    site: NosSite, monkeypatch: pytest.MonkeyPatch, sqlite_url: str, tmp_path: Path
) -> NosSite:
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f"""
[fetch]
min_interval_s = 0.02
timeout_s = 2
retries = 1
backoff_base_s = 0.05
backoff_max_s = 0.1

[[sources]]
name = "nos-buitenland"
kind = "rss"
url = "{site.url("/nosnieuwsbuitenland")}"
allowed_hosts = ["127.0.0.1"]

[[sources]]
name = "verboden"
kind = "rss"
url = "{site.url("/misbehave/403")}"
allowed_hosts = ["127.0.0.1"]

[[sources]]
name = "uit"
kind = "rss"
url = "{site.url("/nosnieuwsalgemeen")}"
allowed_hosts = ["127.0.0.1"]
enabled = false
""",
        encoding="utf-8",
    )
    monkeypatch.setattr(console, "_width", 200)  # wide tables, whatever the terminal
    monkeypatch.setenv("NEWSMON_SOURCES_FILE", str(sources))
    monkeypatch.setenv("NEWSMON_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEWSMON_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    return site


def invoke(*args: str, code: int = 0) -> str:
    get_settings.cache_clear()
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.stdout


def test_ingest_then_sources_show_counts_and_health(configured: NosSite) -> None:
    out = invoke("ingest", code=1)  # one of the two sources is blocked
    assert "nos-buitenland" in out and "verboden" in out
    assert "uit" not in out.split()  # disabled sources are not polled
    assert configured.count("/nosnieuwsalgemeen") == 0

    health = invoke("sources")
    lines = {line.split()[0]: line for line in health.splitlines() if line.strip()}
    assert "ok" in lines["nos-buitenland"]
    assert "blocked" in lines["verboden"]
    assert "never" in lines["uit"]
    assert invoke("sources", "list") == health  # the group's default is its `list`

    configured.reset_log()
    again = invoke("ingest", "--source", "nos-buitenland")
    assert "verboden" not in again
    assert configured.count("/misbehave/403") == 0
    row = next(line for line in again.splitlines() if line.startswith("nos-buitenland"))
    assert row.split()[3] == "0"  # source, status, found, new


def test_ingest_and_sources_print_json_with_the_failed_source_first(configured: NosSite) -> None:
    summary = json.loads(invoke("ingest", "--json", code=1))
    assert summary["status"] == "partial"
    first, second = summary["sources"]
    assert (first["source"], first["status"]) == ("verboden", "blocked")
    assert "403" in first["first_error"]  # the reason, not only "failed"
    assert (second["source"], second["status"]) == ("nos-buitenland", "ok")
    assert second["new"] > 0

    health = [json.loads(line) for line in invoke("sources", "--json").splitlines()]
    by_name = {entry["source"]: entry for entry in health}
    assert by_name["verboden"]["status"] == "blocked"
    assert "403" in by_name["verboden"]["last_error"]
    assert by_name["uit"]["status"] == "never" and by_name["uit"]["enabled"] is False
    success = datetime.fromisoformat(by_name["nos-buitenland"]["last_success"])
    assert success.utcoffset() is not None  # local time with its offset


def test_unknown_source_is_a_clear_error(configured: NosSite) -> None:
    result = CliRunner().invoke(app, ["ingest", "--source", "bestaat-niet"])
    assert result.exit_code == 2
    assert "bestaat-niet" in result.output and "nos-buitenland" in result.output
