"""Coverage at a glance: articles per local day by subtopic and outlet, rising stories, the
PNG chart in the HTML digest (embedded) and beside the Markdown digest, and `newsmon trends`.
Binning is pure; the rest runs on both backends with the digest test data."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from cli.main import app
from composition.settings import get_settings
from digests.coverage import coverage_of
from digests.select import collect_digest
from pipeline.digest import build_digest
from storage.coverage import CoverageRow
from storage.db import session_scope
from tests.digest_data import build

AMS = ZoneInfo("Europe/Amsterdam")
DAY = date(2026, 3, 10)
PNG = b"\x89PNG\r\n\x1a\n"


def article(n: int, when: datetime, host: str, story: int, topics: dict[str, float]) -> CoverageRow:
    tags = {slug: (slug.title(), score) for slug, score in topics.items()}
    return CoverageRow(n, when, f"https://{host}/a/{n}", None, "rss", story, f"story {story}", tags)


def test_articles_are_binned_by_local_day_under_their_best_subtopic() -> None:
    rows = [
        # 23:30 UTC on the 9th is 00:30 on the 10th in Amsterdam
        article(1, datetime(2026, 3, 9, 23, 30, tzinfo=UTC), "nos.nl", 1, {"nuclear": 2.0}),
        article(2, datetime(2026, 3, 10, 9, tzinfo=UTC), "nu.nl", 1, {"belarus-russia": 5.0}),
        article(3, datetime(2026, 3, 8, 9, tzinfo=UTC), "nos.nl", 2, {"army": 1.0, "nuclear": 3}),
        article(4, datetime(2026, 2, 1, 9, tzinfo=UTC), "nos.nl", 3, {"army": 1.0}),  # too old
    ]
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    coverage = coverage_of(
        rows, last_day=DAY, days=3, tz=AMS, now=now, relevance_topic="belarus-russia"
    )
    assert coverage.days == [date(2026, 3, 8), date(2026, 3, 9), date(2026, 3, 10)]
    assert coverage.total == [1, 0, 2]
    assert coverage.by_topic == {"Nuclear": [1, 0, 1], "Belarus-Russia": [0, 0, 1]}
    assert coverage.by_outlet == {"nos.nl": [1, 0, 1], "nu.nl": [0, 0, 1]}
    (rising,) = coverage.rising  # story 1: two outlets in the last 24 h, none before
    assert (rising.story_id, rising.outlets_last_24h, rising.outlets_before) == (1, 2, 0)
    assert json.loads(json.dumps(coverage.as_json()))["total"] == [1, 0, 2]


def test_the_digest_embeds_the_chart_and_writes_it_beside_the_markdown(
    engine: Engine, tmp_path: Path
) -> None:
    build(engine)
    with session_scope(engine) as session:
        data = collect_digest(session, DAY, AMS)
    assert data.chart_png is not None and data.chart_png.startswith(PNG)
    result = build_digest(engine, DAY, tz=AMS, out_dir=tmp_path)
    chart = tmp_path / "2026-03-10-coverage.png"
    assert chart.read_bytes().startswith(PNG) and chart.stat().st_size > 5000
    markdown = result.markdown_path.read_text(encoding="utf-8")
    assert "](2026-03-10-coverage.png)" in markdown
    html = result.html_path.read_text(encoding="utf-8")
    assert '<img src="data:image/png;base64,iVBORw0KGgo' in html  # base64 of the PNG header
    assert "<script" not in html


def test_trends_prints_the_numbers_and_the_rising_stories(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    build(engine)
    monkeypatch.setenv("NEWSMON_DATABASE_URL", database_url)
    monkeypatch.setenv("NEWSMON_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    days = (datetime.now(AMS).date() - DAY).days + 3
    result = CliRunner().invoke(app, ["trends", "--days", str(days), "--json"])
    assert result.exit_code == 0, result.output
    trends = json.loads(result.stdout)
    by_day = dict(zip(trends["days"], trends["total"], strict=True))
    assert by_day["2026-03-10"] >= 2 and sum(trends["total"]) >= 3
    assert "nos.nl" in trends["by_outlet"]
    assert sum(sum(counts) for counts in trends["by_topic"].values()) == sum(trends["total"])
    table = CliRunner().invoke(app, ["trends", "--days", str(days)])
    assert table.exit_code == 0 and "2026-03-10" in table.stdout
    bad = CliRunner().invoke(app, ["trends", "--days", "0"])
    assert bad.exit_code == 2  # a usage error
