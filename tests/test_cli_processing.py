"""`newsmon tag`, `newsmon stories` and the processing fields of `newsmon articles --json`,
run as a user runs them (a subprocess of the installed command, slow); the error cases need no
process and run in-process (``invoke``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_process import invoke
from tests.test_cli_foundation import newsmon


@pytest.mark.slow
def test_tag_prints_one_json_line_per_file(tmp_path: Path) -> None:
    good = tmp_path / "poetin.txt"
    good.write_text(
        "Poetin in Minsk\nDe Russische president Poetin sprak in Minsk met Loekasjenko over "
        "de Uniestaat en Russische kernwapens.\n",
        encoding="utf-8",
    )
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    sport = tmp_path / "sport.txt"
    sport.write_text("Sabalenka wint\nDe Belarussische tennisster wint de finale.", "utf-8")
    result = newsmon(tmp_path, "tag", str(good), str(empty), str(sport))
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(good), str(empty), str(sport)]
    first = lines[0]
    assert first["relevant"] is True and first["score"] > 0
    slugs = [t["slug"] for t in first["topics"]]
    assert slugs[0] == "belarus-russia"
    assert {"union-state", "nuclear-weapons"} <= set(slugs)
    text = good.read_text(encoding="utf-8")
    for topic in first["topics"]:
        assert set(topic) == {"slug", "label", "score", "evidence"}
        for ev in topic["evidence"]:
            assert text[ev["start"] : ev["end"]] == ev["text"]
    assert lines[1]["relevant"] is False and lines[1]["topics"] == []
    assert lines[2]["relevant"] is False


def test_tag_reports_unreadable_files_and_goes_on(tmp_path: Path) -> None:
    binary = tmp_path / "bad.txt"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    good = tmp_path / "ok.txt"
    good.write_text("Loekasjenko en Poetin.", encoding="utf-8")
    result = invoke({}, "tag", str(tmp_path / "missing.txt"), str(binary), str(good))
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert "error" in lines[0] and "error" in lines[1]
    assert lines[2]["relevant"] is True


@pytest.mark.slow
def test_stories_and_article_fields_after_seeding(tmp_path: Path) -> None:
    newsmon(tmp_path, "db", "upgrade")
    newsmon(tmp_path, "seed")
    articles = [json.loads(x) for x in newsmon(tmp_path, "articles", "--json").stdout.splitlines()]
    assert all({"duplicate_of", "story_id", "topics"} <= set(a) for a in articles)
    assert all(a["topics"][0]["evidence"] for a in articles)
    assert all(a["relevant"] for a in articles)
    assert all(a["topics"][0]["slug"] == "belarus-russia" for a in articles)
    stories = [json.loads(x) for x in newsmon(tmp_path, "stories", "--json").stdout.splitlines()]
    groups = sorted(sorted(s["article_ids"]) for s in stories)
    by_seed = {a["canonical_url"][-20:]: a["id"] for a in articles}
    assert len(stories) == 3
    assert sorted(len(g) for g in groups) == [1, 1, 3]
    assert sum(len(g) for g in groups) == len(by_seed) == 5
    october = next(s for s in stories if len(s["article_ids"]) == 3)
    assert october["label"] == "Belarussen willen geen oorlog, maar hun leider doet wat Poetin wil"
    table = newsmon(tmp_path, "stories").stdout
    assert "3 stories" in table


def test_tag_with_a_broken_taxonomy_fails_clearly(tmp_path: Path) -> None:
    broken = tmp_path / "topics.toml"
    rules = 'rules = [{ rule = "(\\"a\\" OR" }]\n'
    broken.write_text('[[topics]]\nslug = "x"\n' + rules, encoding="utf-8")
    text = tmp_path / "a.txt"
    text.write_text("Loekasjenko", encoding="utf-8")
    result = invoke({"NEWSMON_TOPICS_FILE": str(broken)}, "tag", str(text))
    assert result.returncode == 1
    assert "topics.toml" in result.stderr and "ends too early" in result.stderr
    assert "Traceback" not in result.stderr
