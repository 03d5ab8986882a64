"""Storing the seed corpus: idempotent, dates with precision, bad files recorded (both backends)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select

from pipeline.seed import store_seeds
from storage.db import session_scope
from storage.models import Article, ArticleVersion, IngestRunSource, Source
from tests.conftest import SEEDS_DIR


def articles_by_file(engine: Engine) -> dict[str, Article]:
    with session_scope(engine) as session:
        return {a.seed_file or "": a for a in session.scalars(select(Article))}


def test_three_seed_runs_store_five_articles_once(engine: Engine) -> None:
    reports = [store_seeds(engine, SEEDS_DIR) for _ in range(3)]
    assert [r.new for r in reports] == [5, 0, 0]
    assert [r.known for r in reports] == [0, 5, 5]
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 5
        assert session.scalar(select(func.count()).select_from(ArticleVersion)) == 5


def test_stored_seeds_match_the_corpus(engine: Engine) -> None:
    store_seeds(engine, SEEDS_DIR)
    stored = {name[:3]: a for name, a in articles_by_file(engine).items()}
    first = stored["001"]
    assert first.title == "Belarussen willen geen oorlog, maar hun leider doet wat Poetin wil"
    assert first.published_at == datetime(2022, 10, 12, 5, 0, 2, tzinfo=UTC)
    assert first.date_precision == "day"
    assert first.url is not None and first.url.startswith(
        "https://nos.nl/nieuwsuur/artikel/2448020"
    )
    assert first.text.endswith('versterkt zijn positie niet."')
    assert stored["002"].date_precision == "month"
    assert stored["002"].published_at == datetime(2022, 10, 1, tzinfo=UTC)
    assert stored["004"].date_precision == "month"
    assert stored["004"].published_at == datetime(2022, 12, 1, tzinfo=UTC)
    for key in ("002", "004"):
        assert "date 2022" not in stored[key].text
    assert stored["000"].date_precision == "unknown" and stored["000"].published_at is None
    assert stored["003"].date_precision == "unknown" and stored["003"].published_at is None
    assert stored["003"].author == "Tijs van de Vijver"
    assert all(a.origin == "seed" for a in stored.values())
    assert all(a.n_chars == len(a.text) > 1000 for a in stored.values())


def test_bad_seed_file_is_recorded_and_the_rest_stored(engine: Engine, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    (seeds / "999_broken.txt").write_bytes(b"\xff\xfe\x00binary")
    report = store_seeds(engine, seeds)
    assert report.new == 5
    assert len(report.errors) == 1 and "999_broken.txt" in report.errors[0]
    with session_scope(engine) as session:
        source = session.scalar(select(Source).where(Source.name == "seeds"))
        assert source is not None
        assert source.status == "failing"
        assert source.last_error is not None and "999_broken.txt" in source.last_error
        counts = session.scalar(select(IngestRunSource))
        assert counts is not None
        assert (counts.new, counts.failed) == (5, 1)
        assert counts.errors[0]["file"] == "999_broken.txt"


def test_changed_seed_text_becomes_a_new_version(engine: Engine, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    store_seeds(engine, seeds)
    target = next(seeds.glob("001_*.txt"))
    target.write_text(target.read_text(encoding="utf-8") + "\nEen nieuwe alinea.\n", "utf-8")
    report = store_seeds(engine, seeds)
    assert (report.new, report.updated, report.known) == (0, 1, 4)
    with session_scope(engine) as session:
        article = session.scalar(select(Article).where(Article.seed_file == target.name))
        assert article is not None
        assert article.version == 2
        assert [v.version for v in article.versions] == [1, 2]
        assert article.text.endswith("Een nieuwe alinea.")
        assert session.scalar(select(func.count()).select_from(Article)) == 5
