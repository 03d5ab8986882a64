"""Unbounded or mistyped configuration values are refused with one line naming where and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrapers.errors import SourcesConfigError
from scrapers.sources import load_sources_file
from tests.cli_process import cli_env, invoke, write_sources
from tests.site import NosSite

FEED = """
[[sources]]
name = "feed"
kind = "rss"
url = "https://nos.nl/feed"
allowed_hosts = ["nos.nl"]
"""


@pytest.mark.parametrize(
    ("table", "key"),
    [("[fetch]", "min_interval_s"), ("[fetch]", "timeout_s"), ("[fetch]", "backoff_max_s")],
)
def test_an_infinite_fetch_value_is_rejected_naming_the_key(
    tmp_path: Path, table: str, key: str
) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(f"{table}\n{key} = inf\n{FEED}", encoding="utf-8")
    with pytest.raises(SourcesConfigError) as caught:
        load_sources_file(path)
    assert key in str(caught.value) and str(path) in str(caught.value)


def test_an_infinite_per_source_interval_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(FEED + "min_interval_s = inf\n", encoding="utf-8")
    with pytest.raises(SourcesConfigError, match="min_interval_s"):
        load_sources_file(path)


def test_a_word_as_topic_threshold_ends_ingest_with_one_line_naming_file_and_key(
    site: NosSite, sqlite_url: str, tmp_path: Path
) -> None:
    topics = tmp_path / "topics.toml"
    shipped = (Path(__file__).parent.parent / "config" / "topics.toml").read_text("utf-8")
    topics.write_text(shipped.replace("threshold = ", 'threshold = "high" #', 1), "utf-8")
    sources = write_sources(tmp_path / "sources.toml", site, {"b": "/nosnieuwsbuitenland"})
    env = cli_env(sqlite_url, sources, tmp_path / "data", NEWSMON_TOPICS_FILE=str(topics))
    result = invoke(env, "ingest")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "topics.toml" in lines[0] and "threshold" in lines[0] and "'high'" in lines[0]


@pytest.mark.parametrize(
    ("value", "reason"), [("inf", "valid integer"), ("70000", "less than or equal")]
)
def test_an_out_of_range_setting_is_one_line_naming_the_variable(
    sqlite_url: str, tmp_path: Path, value: str, reason: str
) -> None:
    env = cli_env(sqlite_url, tmp_path / "sources.toml", tmp_path, NEWSMON_SMTP_PORT=value)
    result = invoke(env, "articles")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert "NEWSMON_SMTP_PORT" in line and reason in line
