"""`newsmon rules test`: a read-only backtest that lists exactly what a taxonomy would change,
with per-topic and per-rule counts; a broken taxonomy is refused with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from cli.main import app
from pipeline.processor import load_tagger
from pipeline.retag import backtest
from processing.tag_changes import TagChange
from tests.conftest import SEEDS_DIR
from tests.retag_data import (
    COPY_001,
    SEED_001,
    SEED_003,
    SPORT_URL,
    ids_by_url,
    modified_taxonomy,
    row_counts,
    state,
    store_fixture,
    write_taxonomy,
)


def run_cli(monkeypatch: pytest.MonkeyPatch, database_url: str, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("NEWSMON_DATABASE_URL", database_url)
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout


def test_the_backtest_lists_exactly_the_changed_articles_and_writes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    store_fixture(engine)
    ids = ids_by_url(engine)
    before, counts = state(engine), row_counts(engine)
    tagger = load_tagger(write_taxonomy(tmp_path, modified_taxonomy()), SEEDS_DIR)
    changes: list[TagChange] = []
    result = backtest(engine, tagger, on_change=changes.append, chunk_size=3)
    assert state(engine) == before and row_counts(engine) == counts
    assert result.articles == len(ids) and result.changed == 4
    by_id = {c.article_id: c for c in changes}
    assert set(by_id) == {ids[SEED_001], ids[COPY_001], ids[SEED_003], ids[SPORT_URL]}
    sport = by_id[ids[SPORT_URL]]
    assert (sport.relevant_before, sport.relevant_after) == (False, True)
    assert sport.topics_added == ["belarus-russia"] and sport.topics_removed == []
    assert sport.score_after > sport.score_before  # type: ignore[operator]
    assert any("Loekasjenko" in e or "Belarus" in e for e in sport.evidence)
    gone = by_id[ids[SEED_003]]
    assert (gone.relevant_before, gone.relevant_after) == (True, False)
    assert "belarus-russia" in gone.topics_removed and gone.topics_added == []
    assert result.relevant_before == 6 and result.relevant_after == 4
    assert result.topics.before["belarus-russia"] == 6
    assert result.topics.after["belarus-russia"] == 4


def test_per_rule_counts_cover_every_rule_and_name_those_that_never_fire(
    engine: Engine, tmp_path: Path
) -> None:
    store_fixture(engine)
    tagger = load_tagger(write_taxonomy(tmp_path, modified_taxonomy()), SEEDS_DIR)
    result = backtest(engine, tagger)
    rules = {(r["topic"], r["rule"]): r for r in result.rules}
    assert len(rules) == sum(len(t.rules) for t in tagger.taxonomy.topics)
    referendum = rules["belarus-russia", '"referendum"']
    assert referendum["articles"] == 1 and referendum["hits"] >= 1
    copied = rules["belarus-russia", '"wijselijk"']
    assert copied["articles"] == 2  # seed 001 and its copy
    lukashenko = rules["belarus-russia", "lukashenko"]
    assert lukashenko["articles"] == 7 and lukashenko["hits"] >= 7  # all but the cycle path
    assert rules["belarus-russia", "language NEAR/4 belarus"] == {
        "topic": "belarus-russia",
        "rule": "language NEAR/4 belarus",
        "hits": 0,
        "articles": 0,
    }


def test_the_rule_report_does_not_change_the_tags(tmp_path: Path) -> None:
    tagger = load_tagger(write_taxonomy(tmp_path, modified_taxonomy()), SEEDS_DIR)
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        result = tagger.tag(path.read_text(encoding="utf-8"))
        slugs = {t.slug for t in result.topics}
        assert {slug for slug, _, _ in result.fired} >= slugs
        assert all(spans >= 1 for _, _, spans in result.fired)


def test_rules_test_json_prints_one_line_per_change_then_the_summary(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_fixture(engine)
    ids = ids_by_url(engine)
    before = state(engine)
    topics = write_taxonomy(tmp_path, modified_taxonomy())
    code, out = run_cli(
        monkeypatch, database_url, "rules", "test", "--topics", str(topics), "--json"
    )
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    *changes, last = lines
    assert {c["id"] for c in changes} == {
        ids[SEED_001],
        ids[COPY_001],
        ids[SEED_003],
        ids[SPORT_URL],
    }
    for change in changes:
        assert set(change) == {
            "id",
            "title",
            "relevant_before",
            "relevant_after",
            "score_before",
            "score_after",
            "topics_added",
            "topics_removed",
        }
    summary = last["summary"]
    assert summary["articles"] == len(ids) and summary["changed"] == 4
    assert (summary["relevant_before"], summary["relevant_after"]) == (6, 4)
    assert {"topic", "rule", "hits", "articles"} == set(summary["rules"][0])
    assert state(engine) == before


def test_rules_test_with_the_configured_taxonomy_changes_nothing(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_fixture(engine)
    code, out = run_cli(monkeypatch, database_url, "rules", "test", "--json")
    assert code == 0
    assert json.loads(out.splitlines()[-1])["summary"]["changed"] == 0
    assert len(out.splitlines()) == 1


def test_rules_test_human_output_shows_topics_changes_and_rules(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_fixture(engine)
    topics = write_taxonomy(tmp_path, modified_taxonomy())
    monkeypatch.setenv("COLUMNS", "200")
    code, out = run_cli(monkeypatch, database_url, "rules", "test", "--topics", str(topics))
    assert code == 0
    assert "4 articles would change" in out
    assert "Sabalenka wint in Melbourne" in out and "no → yes" in out
    assert "belarus-russia *" in out  # a topic whose count changes is marked
    assert "never" in out and "rule hits" in out


def test_since_limits_the_backtest_to_recent_articles(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_fixture(engine)
    ids = ids_by_url(engine)
    topics = write_taxonomy(tmp_path, modified_taxonomy())
    code, out = run_cli(
        monkeypatch,
        database_url,
        "rules",
        "test",
        "--topics",
        str(topics),
        "--since",
        "2024-01-01",
        "--json",
    )
    assert code == 0
    *changes, last = (json.loads(line) for line in out.splitlines())
    # Published since then: the sport item and the cycle path; seeds 000 and 003 have no
    # date and were first seen today. The dated seeds (2022) are left out.
    assert [c["id"] for c in changes] == [ids[SEED_003], ids[SPORT_URL]]
    assert last["summary"]["articles"] == 4


MINSK_RULE = '{ rule = "minsk_agreements", weight = -1.5 }'


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ('{ rule = "minsk_agreementz", weight = -1.5 }', "unknown group 'minsk_agreementz'"),
        ('{ rule = "minsk_agreements AND (", weight = -1.5 }', "rule ends too early"),
        (
            '{ rule = "minsk_agreements", weight = "heavy" }',
            "weight = 'heavy' is not a finite number",
        ),
    ],
)
def test_a_broken_taxonomy_is_refused_with_file_topic_and_rule(
    engine: Engine,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    broken: str,
    expected: str,
) -> None:
    store_fixture(engine)
    before = state(engine)
    topics = write_taxonomy(tmp_path, modified_taxonomy().replace(MINSK_RULE, broken), "bad.toml")
    monkeypatch.setenv("NEWSMON_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "60")
    for command in (["rules", "test"], ["retag"]):
        result = CliRunner().invoke(app, [*command, "--topics", str(topics)])
        assert result.exit_code == 2
        assert len(result.output.strip().splitlines()) == 1  # one line, whatever the width
        message = result.output
        assert f"{topics}: topic 'belarus-russia', rule " in message
        assert expected in message
    assert state(engine) == before
