"""Tagging does bounded work on any input: linear-time term matching, shallow rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from processing.errors import TaxonomyError
from processing.rules import MAX_RULE_DEPTH
from processing.taxonomy import parse_taxonomy
from processing.textmatch import TermSet, fold_with_offsets
from tests import cli_process
from tests.conftest import REPO_ROOT

TOPICS = (REPO_ROOT / "config" / "topics.toml").read_text(encoding="utf-8")
BACKTRACKER = "a*-a*-a*-a*-a*-a*-a*-a*-b"


def topics_with(group: str, rule: str) -> str:
    """The shipped taxonomy plus one group and one topic using ``rule``."""
    return (
        TOPICS
        + f"\n[groups.hostile]\nterms = {group}\n"
        + '\n[[topics]]\nslug = "hostile"\nlabel = "Hostile"\nthreshold = 1\n'
        + f"rules = [{{ rule = {rule!r}, weight = 1 }}]\n"
    )


@pytest.mark.timeout(60)
def test_a_backtracking_term_on_a_long_word_returns() -> None:
    terms = TermSet("hostile", [BACKTRACKER, "belarus"])
    text = fold_with_offsets("Belarus " + "a" * 200 + " en a-a-a-a-a-a-a-a-b, Belarus")
    found = terms.find(text)
    assert [text.folded[h.start : h.end] for h in found] == [
        "belarus",
        "a-a-a-a-a-a-a-a-b",
        "belarus",
    ]
    assert found == terms.scan(text)


@pytest.mark.timeout(60)
def test_tagging_with_the_backtracking_term_in_the_taxonomy_returns() -> None:
    taxonomy = parse_taxonomy(topics_with(f'["{BACKTRACKER}"]', "hostile"))
    text = fold_with_offsets("Loekasjenko en Poetin " + "a" * 200)
    taxonomy.index.prepare(text)
    assert taxonomy.groups["hostile"].find(text) == []


def test_a_term_that_cannot_be_compiled_is_refused_in_one_line() -> None:
    with pytest.raises(TaxonomyError) as raised:
        parse_taxonomy(topics_with(f'["{"x" * 300}"]', "hostile"))
    message = str(raised.value)
    assert "\n" not in message and "'hostile'" in message and "longer than" in message


@pytest.mark.parametrize(
    "rule",
    [
        "(" * 3000 + "belarus" + ")" * 3000,
        "NOT " * 3000 + "belarus",
        " NEAR/3 ".join(["belarus"] * 3000),
    ],
)
def test_a_rule_nested_too_deep_is_refused_on_load(rule: str) -> None:
    with pytest.raises(TaxonomyError) as raised:
        parse_taxonomy(topics_with('["x"]', rule))
    assert f"nested deeper than {MAX_RULE_DEPTH}" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_rule_as_deep_as_allowed_still_works() -> None:
    depth = MAX_RULE_DEPTH - 1
    taxonomy = parse_taxonomy(topics_with('["x"]', "(" * depth + "belarus" + ")" * depth))
    assert any(topic.slug == "hostile" for topic in taxonomy.topics)


@pytest.mark.slow
def test_rules_test_with_3000_parentheses_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    topics = tmp_path / "topics.toml"
    topics.write_text(topics_with('["x"]', "(" * 3000 + "belarus" + ")" * 3000), "utf-8")
    url = f"sqlite:///{tmp_path / 'n.db'}"
    env = cli_process.cli_env(
        url, REPO_ROOT / "config" / "sources.toml", tmp_path, NEWSMON_TOPICS_FILE=str(topics)
    )
    assert cli_process.run(env, "db", "upgrade").returncode == 0
    done = cli_process.run(env, "rules", "test")
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "nested deeper" in lines[0], done.stderr
