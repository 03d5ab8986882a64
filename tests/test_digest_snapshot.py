"""The Markdown digest of a small fixed data set, compared with committed snapshots.

After an intended change to the digest's layout, regenerate them with
``UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_digest_snapshot.py`` and review the
diff before committing.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from pipeline.digest import build_digest
from storage.db import session_scope
from storage.models import FetchLog, Source
from tests.conftest import REPO_ROOT
from tests.digest_data import DAY, build, utc

SNAPSHOTS = REPO_ROOT / "tests" / "snapshots"


def check_snapshot(name: str, actual: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing snapshot {path}: run with UPDATE_SNAPSHOTS=1"
    assert actual == path.read_text(encoding="utf-8")


def test_digest_markdown_matches_snapshot(engine: Engine, tmp_path: Path) -> None:
    build(engine)
    result = build_digest(engine, DAY, tz="Europe/Amsterdam", out_dir=tmp_path)
    assert result.markdown_path == tmp_path / "2026-03-10.md"
    assert result.markdown_path.read_text(encoding="utf-8") == result.markdown
    assert result.html_path.read_text(encoding="utf-8") == result.html
    assert result.subject == "newsmon digest 2026-03-10 — 4 stories"
    check_snapshot("digest_2026-03-10.md", result.markdown)


def test_empty_day_gives_a_short_digest(engine: Engine, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        feed = Source(name="nos-algemeen", kind="rss", status="unreachable")
        session.add(feed)
        session.flush()
        session.add(
            FetchLog(
                source_id=feed.id,
                url="https://feeds.nos.nl/nosnieuwsalgemeen",
                requested_at=utc(2026, 3, 12, 8),
                outcome="connect_error",
                error="no route to host",
            )
        )
    result = build_digest(engine, date(2026, 3, 12), out_dir=tmp_path)
    assert (result.n_stories, result.subject) == (0, "newsmon digest 2026-03-12 — 0 stories")
    assert "No new articles" in result.text
    assert "No new articles" in result.html
    check_snapshot("digest_empty.md", result.markdown)


@pytest.mark.parametrize("tz", ["UTC", "Asia/Tokyo"])
def test_timezone_moves_the_window(engine: Engine, tmp_path: Path, tz: str) -> None:
    build(engine)
    result = build_digest(engine, DAY, tz=tz, out_dir=tmp_path)
    # In UTC, 10 March covers the same articles; in Tokyo it ends at 15:00 UTC, before B2.
    titles = {s.representative.title for s in result.data.stories}
    assert ("Gesprekken in Minsk duren voort" in titles) is (tz == "UTC")
    assert f"({tz})" in result.markdown
