"""Every name that becomes a file name is checked on load, and every feed stays in its folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from pipeline.ingest.publish import write_feeds
from processing.alerts import AlertsConfigError, parse_alerts
from processing.errors import TaxonomyError
from processing.taxonomy import parse_taxonomy
from scrapers.errors import SourcesConfigError
from scrapers.sources import parse_sources
from tests import cli_process
from tests.alert_data import NOW
from tests.conftest import REPO_ROOT

TOPICS = (REPO_ROOT / "config" / "topics.toml").read_text(encoding="utf-8")
EVIL = "../../../evilslug"


def evil_topics() -> str:
    return TOPICS.replace('slug = "nuclear-weapons"', f'slug = "{EVIL}"', 1)


@pytest.mark.parametrize("slug", [EVIL, "Nuclear", "a/b", "-x", "a.b", ""])
def test_a_topic_slug_that_is_not_a_plain_name_is_refused(slug: str) -> None:
    text = TOPICS.replace('slug = "nuclear-weapons"', f'slug = "{slug}"', 1)
    with pytest.raises(TaxonomyError) as raised:
        parse_taxonomy(text)
    assert "\n" not in str(raised.value)
    assert repr(slug) in str(raised.value) or "no slug" in str(raised.value)


def test_source_and_alert_names_follow_the_same_pattern() -> None:
    source = {"kind": "rss", "url": "https://nos.nl/x", "allowed_hosts": ["nos.nl"]}
    with pytest.raises(SourcesConfigError, match=r"'\.\./up'.*field 'name'"):
        parse_sources({"sources": [{**source, "name": "../up"}]}, "sources.toml")
    with pytest.raises(SourcesConfigError, match="field 'name'"):
        parse_sources({"sources": [{**source, "name": "a_b.c"}]}, "sources.toml")
    alert = '[[alerts]]\nname = "{}"\ntopic = "x"\nemail_to = ["d@e.org"]\n'
    for bad in ("../../x", "Big News", "a:b"):
        with pytest.raises(AlertsConfigError, match="field 'name'"):
            parse_alerts(alert.format(bad), "alerts.toml")
    assert parse_alerts(alert.format("big-news-2"), "alerts.toml").alerts[0].name == "big-news-2"


def test_feeds_are_written_only_inside_the_feeds_folder(engine: Engine, tmp_path: Path) -> None:
    feeds_dir = tmp_path / "a" / "b" / "c" / "data" / "feeds"
    written, failures = write_feeds(
        engine,
        feeds_dir,
        {"belarus-russia": "Belarus", EVIL: "Evil"},
        relevance_topic="belarus-russia",
        now=NOW,
    )
    assert [p.resolve().parent for p in written] == [feeds_dir.resolve()]
    assert len(failures) == 1 and "evilslug" in failures[0]
    assert not list(tmp_path.rglob("evilslug*"))


@pytest.mark.slow
def test_ingest_with_a_traversing_slug_stops_before_fetching_and_writes_nothing(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "a" / "b" / "c" / "data"
    topics = tmp_path / "topics.toml"
    topics.write_text(evil_topics(), encoding="utf-8")
    sources = tmp_path / "sources.toml"
    sources.write_text(
        cli_process.FAST_FETCH + '[[sources]]\nname = "dead"\nkind = "rss"\n'
        'url = "http://127.0.0.1:9/feed"\nallowed_hosts = ["127.0.0.1"]\n',
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'n.db'}"
    env = cli_process.cli_env(url, sources, data_dir, NEWSMON_TOPICS_FILE=str(topics))
    assert cli_process.run(env, "db", "upgrade").returncode == 0
    done = cli_process.run(env, "ingest")
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert str(topics) in lines[0] and "slug" in lines[0] and "evilslug" in lines[0]
    assert not list(tmp_path.rglob("evilslug*"))
    assert not list(tmp_path.rglob("*.atom"))
