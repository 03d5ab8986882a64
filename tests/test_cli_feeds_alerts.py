"""`newsmon feed` prints or writes a topic's Atom feed; `newsmon alerts [--json]` lists what
fired and each channel's delivery state; a bad alerts file is one clear error line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from cli.main import app
from composition.publish_setup import publish_with_settings
from composition.settings import get_settings
from pipeline.ingest.publish import publish_after_ingest
from processing.alerts import parse_alerts
from tests.alert_data import build
from tests.conftest import REPO_ROOT

runner = CliRunner()


@pytest.fixture
def env(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str, sqlite_engine: Engine, tmp_path: Path
) -> Path:
    build(sqlite_engine)
    alerts = tmp_path / "alerts.toml"
    alerts.write_text(
        '[[alerts]]\nname = "military"\ntopic = "military-cooperation"\n'
        'webhook_url = "http://127.0.0.1:9/down"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("NEWSMON_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEWSMON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSMON_TOPICS_FILE", str(REPO_ROOT / "config" / "topics.toml"))
    monkeypatch.setenv("NEWSMON_ALERTS_FILE", str(alerts))
    get_settings.cache_clear()
    return alerts


def test_feed_prints_the_beat_and_writes_a_subtopic(env: Path, tmp_path: Path) -> None:
    printed = runner.invoke(app, ["feed"])
    assert printed.exit_code == 0, printed.output
    beat = feedparser.parse(printed.stdout_bytes)
    assert beat.bozo == 0 and beat.feed.title == "Belarus–Russia relations"
    assert len(beat.entries) == 4

    out = tmp_path / "out" / "nuclear.atom"
    written = runner.invoke(app, ["feed", "--topic", "nuclear-weapons", "--out", str(out)])
    assert written.exit_code == 0, written.output
    assert [e.title for e in feedparser.parse(out.read_bytes()).entries] == [
        "Kernwapens naar Belarus"
    ]

    unknown = runner.invoke(app, ["feed", "--topic", "nuclear"])
    assert unknown.exit_code == 2 and "unknown topic 'nuclear'" in unknown.output  # usage


def test_alerts_lists_firings_with_their_delivery_state(env: Path, sqlite_engine: Engine) -> None:
    report = publish_after_ingest(
        sqlite_engine,
        data_dir=Path(get_settings().data_dir),
        topics={"belarus-russia": "B"},
        relevance_topic="belarus-russia",
        alerts=parse_alerts(env.read_text(encoding="utf-8")),
        now=datetime(2026, 3, 10, 12, tzinfo=UTC),
    )
    assert report.fired == 1
    listed = runner.invoke(app, ["alerts", "--json"])
    assert listed.exit_code == 0, listed.output
    (record,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert record["alert"] == "military" and record["kind"] == "topic"
    assert record["title"] == "Rusland en Belarus vormen gezamenlijke legereenheid"
    (delivery,) = record["deliveries"]
    assert (delivery["channel"], delivery["status"], delivery["attempts"]) == (
        "webhook",
        "failed",
        1,
    )
    assert "unreachable" in delivery["error"]

    table = runner.invoke(app, ["alerts"])
    assert table.exit_code == 0 and "military" in table.output and "failed" in table.output


def test_publish_with_settings_writes_every_topic_feed(env: Path, sqlite_engine: Engine) -> None:
    report = publish_with_settings(sqlite_engine)
    names = {path.name for path in report.feeds}
    assert {"belarus-russia.atom", "military-cooperation.atom", "wagner-mercenaries.atom"} <= names
    assert all(path.parent == get_settings().data_dir / "feeds" for path in report.feeds)


def test_a_bad_alerts_file_is_one_error_line(env: Path) -> None:
    env.write_text('[[alerts]]\nname = "x"\ntopic = "military-cooperation"\n', encoding="utf-8")
    result = runner.invoke(app, ["alerts"])
    assert result.exit_code == 1
    assert f"{env}: alert 'x' (#1): give a channel" in " ".join(result.output.split())
