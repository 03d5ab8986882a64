"""The digest opens with a "Breaking" block: the day's stories that met a ``breaking`` alert,
in Markdown, HTML and plain text; a day without one has no such block. Both backends."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from pipeline.digest import build_digest
from pipeline.ingest.publish import publish_after_ingest
from processing.alerts import parse_alerts
from tests.alert_data import NOW, build

ALERTS = parse_alerts(
    '[[alerts]]\nname = "breaking"\nbreaking = { outlets = 3, hours = 6 }\n'
    'email_to = ["desk@example.org"]\n'
)


def test_the_days_breaking_stories_open_the_digest(engine: Engine, tmp_path: Path) -> None:
    build(engine)
    report = publish_after_ingest(
        engine,
        data_dir=tmp_path,
        topics={"belarus-russia": "Belarus–Russia relations"},
        relevance_topic="belarus-russia",
        alerts=ALERTS,
        smtp=None,  # the delivery fails (recorded); the story still broke
        now=NOW,
    )
    assert report.fired == 1 and len(report.failed) == 1

    result = build_digest(engine, NOW.date(), out_dir=tmp_path / "digests")
    md = result.markdown
    assert md.index("## Breaking") < md.index("## At a glance")
    assert (
        "- **[Rusland en Belarus vormen gezamenlijke legereenheid]"
        "(https://nos.nl/artikel/1-legereenheid)** — 3 outlets (nos.nl, nu.nl, rtl.nl), "
        "broke 2026-03-10 11:30\n" in md
    )
    assert md.count("legereenheid](") >= 2  # and the story is in its topic group as usual
    assert '<h2>Breaking</h2>\n<ul class="breaking">' in result.html
    assert (
        "BREAKING\n  * Rusland en Belarus vormen gezamenlijke legereenheid (3 outlets"
        in result.text
    )

    next_day = build_digest(engine, NOW.date() + timedelta(days=1), out_dir=tmp_path / "digests")
    assert "Breaking" not in next_day.markdown and "BREAKING" not in next_day.text
