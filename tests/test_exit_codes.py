"""Exit codes of `newsmon ingest` and `newsmon backfill` for cron: 0 all ok, 1 some, 2 none.

Ingest's codes come from the command in this process (``invoke``); backfill runs a real process,
as it starts Prefect's temporary server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_process import cli_env, invoke, run, write_sources
from tests.site import NosSite


@pytest.mark.parametrize(
    ("feeds", "code"),
    [
        ({"buitenland": "/nosnieuwsbuitenland"}, 0),
        ({"buitenland": "/nosnieuwsbuitenland", "verboden": "/misbehave/403"}, 1),
        ({"verboden": "/misbehave/403", "kapot": "/misbehave/500"}, 2),
    ],
)
def test_ingest_exits_0_when_all_sources_are_ok_1_when_some_failed_2_when_all_failed(
    site: NosSite, sqlite_url: str, tmp_path: Path, feeds: dict[str, str], code: int
) -> None:
    sources = write_sources(tmp_path / "sources.toml", site, feeds)
    result = invoke(cli_env(sqlite_url, sources, tmp_path / "data"), "ingest")
    assert result.returncode == code, result.stdout + result.stderr


def test_an_unchanged_feed_is_not_a_failure(site: NosSite, sqlite_url: str, tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "sources.toml", site, {"b": "/nosnieuwsbuitenland"})
    env = cli_env(sqlite_url, sources, tmp_path / "data")
    assert invoke(env, "ingest").returncode == 0
    again = invoke(env, "ingest")
    assert again.returncode == 0, again.stdout + again.stderr
    assert site.count("/nosnieuwsbuitenland") == 2


def test_ingest_of_an_unknown_source_or_a_broken_sources_file_exits_2(
    site: NosSite, sqlite_url: str, tmp_path: Path
) -> None:
    sources = write_sources(tmp_path / "sources.toml", site, {"b": "/nosnieuwsbuitenland"})
    env = cli_env(sqlite_url, sources, tmp_path / "data")
    assert invoke(env, "ingest", "--source", "bestaat-niet").returncode == 2
    sources.write_text("[fetch]\ntimeout_s = inf\n", encoding="utf-8")
    broken = invoke(env, "ingest")
    assert broken.returncode == 2 and "timeout_s" in broken.stderr


@pytest.mark.slow
def test_backfill_whose_every_day_failed_exits_2(
    site: NosSite, sqlite_url: str, tmp_path: Path
) -> None:
    from tests.cli_process import FAST_FETCH
    from tests.prefect_fixtures import prefect_env

    sources = tmp_path / "sources.toml"
    sources.write_text(
        FAST_FETCH + f'[[sources]]\nname = "kapot-archief"\nkind = "archive"\n'
        f'url = "{site.url("/misbehave/500")}?d={{date}}"\nallowed_hosts = ["127.0.0.1"]\n',
        encoding="utf-8",
    )
    env = {**prefect_env(tmp_path / "home"), **cli_env(sqlite_url, sources, tmp_path / "data")}
    result = run(env, "backfill", "2024-01-01", "2024-01-02", timeout=240)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "2 day(s) failed" in result.stdout
