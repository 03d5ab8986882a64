"""A listing that moved for good (301 or 308) is remembered: the next poll requests the new URL
directly, while the configuration keeps the old one (a new URL there ends the move), and
``newsmon sources`` shows the move. A temporary redirect (302/307) is followed, not kept.
Both backends, through the real fetch path on the local NOS-like site."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from cli.main import app
from composition.settings import get_settings
from pipeline.ingest import IngestContext, IngestReport, run_ingest
from scrapers.sources import SourceConfig, SourcesConfig
from tests.site import NosSite

OLD = "/verhuisd/feed.xml"
NEW = "/nosnieuwsbuitenland"


def moved(site: NosSite, status: int, path: str = OLD, to: str = NEW) -> str:
    """``path`` redirecting with ``status`` to ``to``; the URL of ``path``."""
    return site.add_page(path, b"", None, headers={"Location": site.url(to)}, status=status)


def poll(site: NosSite, engine: Engine, url: str) -> IngestReport:
    source = SourceConfig(name="verhuisd", kind="rss", url=url, allowed_hosts=site.hosts)
    config = SourcesConfig(fetch=site.fetch_config(), sources=(source,))
    return run_ingest(IngestContext(engine, config))


def listing_paths(site: NosSite) -> list[str]:
    return [r.path for r in site.requests() if r.path in (OLD, NEW, "/tijdelijk/feed.xml")]


@pytest.mark.parametrize("status", [301, 308])
def test_a_permanent_move_is_polled_at_the_new_url_next_time(
    site: NosSite, engine: Engine, status: int
) -> None:
    old_url = moved(site, status)
    first = poll(site, engine, old_url)
    assert first.sources["verhuisd"].new > 0
    assert listing_paths(site) == [OLD, NEW]

    site.reset_log()
    second = poll(site, engine, old_url)
    assert listing_paths(site) == [NEW]  # the old URL is not asked again
    assert second.source_status["verhuisd"] == "ok"


def test_a_temporary_redirect_is_not_remembered(site: NosSite, engine: Engine) -> None:
    temporary = site.add_page(
        "/tijdelijk/feed.xml", b"", None, headers={"Location": site.url(NEW)}, status=302
    )
    poll(site, engine, temporary)
    site.reset_log()
    poll(site, engine, temporary)
    assert listing_paths(site)[0] == "/tijdelijk/feed.xml"


def test_a_new_url_in_the_configuration_ends_the_move(site: NosSite, engine: Engine) -> None:
    old_url = moved(site, 301)
    poll(site, engine, old_url)
    elsewhere = moved(site, 302, path="/tijdelijk/feed.xml")
    site.reset_log()
    poll(site, engine, elsewhere)
    assert listing_paths(site)[0] == "/tijdelijk/feed.xml"


def test_newsmon_sources_shows_the_move(
    site: NosSite, monkeypatch: pytest.MonkeyPatch, sqlite_url: str, tmp_path: Path
) -> None:
    old_url = moved(site, 301)
    sources = tmp_path / "sources.toml"
    sources.write_text(  # no pacing: the site is ours, and 1 s a page would take half a minute
        f'[fetch]\nmin_interval_s = 0\n\n[[sources]]\nname = "verhuisd"\nkind = "rss"\n'
        f'url = "{old_url}"\n'
        'allowed_hosts = ["127.0.0.1"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("NEWSMON_SOURCES_FILE", str(sources))
    monkeypatch.setenv("NEWSMON_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEWSMON_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(app, ["ingest"]).exit_code == 0

    get_settings.cache_clear()
    table = runner.invoke(app, ["sources"])
    get_settings.cache_clear()
    as_json = runner.invoke(app, ["sources", "--json"])

    assert table.exit_code == 0, table.output
    assert f"verhuisd moved for good to {site.url(NEW)}" in " ".join(table.stdout.split())
    (entry,) = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert entry["moved_to"] == site.url(NEW)
