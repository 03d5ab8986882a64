"""Explainable tags (issue 27): per topic the rules that held with the words that decided, and
for a rejected article the rule that failed — in `newsmon articles show` and `rules test`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pipeline.store import store_record
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from benchmarks.tagging_realdata import excerpt_text
from cli.main import app
from pipeline.processor import DEFAULT_TOPICS_FILE, Processor, load_tagger
from processing.explain import explain, explanation_lines
from processing.tagging import Tagger
from storage.db import session_scope
from storage.models import Article
from storage.records import ArticleRecord
from tests.conftest import SEEDS_DIR
from tests.realdata import require_realdata
from tests.retag_data import modified_taxonomy, store_fixture, write_taxonomy

RYANAIR = ("tagging-2", "texts/019.txt")  # Belarus and the West, no Russian role
UEFA = ("tagging-2", "texts/041.txt")  # Belarus in football qualifiers; Moscow in passing
WAGNER = ("tagging", "texts/t05.txt")  # Prigozhin back to Russia, says Lukashenko


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return load_tagger(DEFAULT_TOPICS_FILE, SEEDS_DIR)


def real(name: str, file: str) -> str:
    return excerpt_text(require_realdata(name, file))


def run_cli(monkeypatch: pytest.MonkeyPatch, database_url: str, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("NEWSMON_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "250")
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout


def test_a_rejected_article_names_the_rule_that_failed(tagger: Tagger) -> None:
    lines = explanation_lines(explain(tagger, real(*RYANAIR)))
    assert lines[0] == "belarus-russia: not relevant — its require rule does not hold"
    assert lines[1].startswith("  ✗ require failed: (union_state OR")
    assert len(lines) == 2  # subtopics are not tried on an article off the beat

    lines = explanation_lines(explain(tagger, real(*UEFA)))
    assert lines[0].startswith("belarus-russia: not relevant — score 0.37 < threshold 2")
    assert any(line.startswith("  - #12 sport_culture (-1.50): UEFA") for line in lines), lines
    assert lines[-1].startswith("  ✗ score 0.37 < threshold 2; rules that did not hold: #1 ")


def test_a_relevant_article_shows_per_topic_the_words_that_decided(tagger: Tagger) -> None:
    text = real(*WAGNER)
    lines = explanation_lines(explain(tagger, text))
    assert lines[0].startswith("belarus-russia: relevant — score ")
    assert "wagner-mercenaries: primary — strength 4.00 (1.0 = its threshold)" in lines
    wagner = lines.index("wagner-mercenaries: primary — strength 4.00 (1.0 = its threshold)")
    assert lines[wagner + 1] == "  + #1 wagner (+2.00): Wagner, Prigozhin, huurlingenleger"
    assert any(line.startswith("leaders-diplomacy: matched") for line in lines)
    verdicts = dict(line.split(": ", 1) for line in lines if not line.startswith(" "))
    matched = {t.slug for t in tagger.tag(text).topics}
    assert matched <= set(verdicts)
    for slug in set(verdicts) - matched:  # near misses: a rule held, the score fell short
        assert verdicts[slug].startswith("not matched — "), verdicts


def test_a_near_miss_subtopic_says_what_it_lacked(tagger: Tagger) -> None:
    lines = explanation_lines(explain(tagger, real("tagging-2", "texts/015.txt")))
    at = lines.index("leaders-diplomacy: not matched — score 1.50 < threshold 2")
    assert lines[at + 1] == "  + #1 lukashenko NEAR/20 putin (+1.00): Poetin, Loekasjenko"
    assert lines[at + 2] == "  + #3 " + tagger.taxonomy.topics[6].rules[2].text + (
        " (+0.50): topontmoeting"
    )
    assert lines[at + 3] == "  ✗ score 1.50 < threshold 2; rules that did not hold: #2"


def store_real(engine: Engine, *texts: tuple[str, str]) -> list[int]:
    processor = Processor.from_topics_file()
    ids: list[int] = []
    with session_scope(engine) as session:
        for number, (name, file) in enumerate(texts):
            title, _, body = real(name, file).partition("\n")
            record = ArticleRecord(
                canonical_url=f"https://example.org/real/{number}",
                title=title,
                text=body,
                origin="rss",
                published_at=datetime(2024, 1, 27, 12, tzinfo=UTC),
                date_precision="day",
            )
            store_record(session, record, processor)
        for number in range(len(texts)):
            url = f"https://example.org/real/{number}"
            ids.append(session.scalar(select(Article.id).where(Article.canonical_url == url)))
    return ids


def test_articles_show_prints_the_evidence_and_the_failed_rule(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ryanair, wagner = store_real(engine, RYANAIR, WAGNER)
    code, out = run_cli(monkeypatch, database_url, "articles", "show", str(ryanair))
    assert code == 0, out
    assert "relevant: False" in out
    assert "primary: none (not relevant)" in out
    assert "✗ require failed: (union_state OR" in out
    code, out = run_cli(monkeypatch, database_url, "articles", "show", str(wagner))
    assert code == 0, out
    assert "topic: wagner-mercenaries 4.00: Wagner, Prigozhin, huurlingenleger" in out
    assert "primary: wagner-mercenaries" in out
    assert "primary (stored strengths): wagner-mercenaries" in out
    assert "  + #1 wagner (+2.00): Wagner, Prigozhin, huurlingenleger" in out


def test_rules_test_explains_the_changed_articles(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_fixture(engine)  # seeds, a sport item, a copy; the taxonomy penalises "referendum"
    topics = write_taxonomy(tmp_path, modified_taxonomy())
    code, out = run_cli(monkeypatch, database_url, "rules", "test", "--topics", str(topics))
    assert code == 0, out
    assert out.count("why article ") == 4
    assert '  - #14 "referendum" (-20.00): referendum' in out  # seed 003 falls off the beat
    assert "belarus-russia: not relevant — score " in out
    assert "rules that did not hold:" in out
    assert "  + #1 lukashenko (+1.50): Loekasjenko" in out  # the sport item comes in
    code, quiet = run_cli(
        monkeypatch, database_url, "rules", "test", "--topics", str(topics), "--why", "0"
    )
    assert code == 0 and "why article " not in quiet
