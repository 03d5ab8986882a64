"""The CLI as a user runs it: a real subprocess of the installed ``newsmon`` command (slow);
the refusal of an unmigrated database needs no process and runs in-process (``invoke``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_process import invoke
from tests.conftest import REPO_ROOT, SEEDS_DIR

NEWSMON = shutil.which("newsmon", path=str(Path(sys.executable).parent)) or "newsmon"


def newsmon(tmp_path: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env |= {
        "NEWSMON_DATA_DIR": str(tmp_path / "data"),
        "NEWSMON_SEEDS_DIR": str(SEEDS_DIR),
        "COLUMNS": "200",
    }
    result = subprocess.run(
        [NEWSMON, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if check:
        assert result.returncode == 0, result.stderr + result.stdout
    return result


def test_commands_refuse_an_unmigrated_database_with_a_clear_message(tmp_path: Path) -> None:
    env = {"NEWSMON_DATA_DIR": str(tmp_path / "data"), "NEWSMON_SEEDS_DIR": str(SEEDS_DIR)}
    result = invoke(env, "articles")
    assert result.returncode != 0
    assert "newsmon db upgrade" in result.stderr


@pytest.mark.slow
def test_seed_articles_show_and_search(tmp_path: Path) -> None:
    newsmon(tmp_path, "db", "upgrade")
    newsmon(tmp_path, "db", "upgrade")
    for _ in range(3):
        newsmon(tmp_path, "seed")
    lines = newsmon(tmp_path, "articles", "--json").stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 5
    required = {
        "id",
        "url",
        "canonical_url",
        "title",
        "published_at",
        "date_precision",
        "origin",
        "author",
        "n_chars",
    }
    assert all(required <= set(row) for row in rows)
    by_title = {row["title"]: row for row in rows}
    first = by_title["Belarussen willen geen oorlog, maar hun leider doet wat Poetin wil"]
    assert first["published_at"] == "2022-10-12T05:00:02Z"
    assert first["date_precision"] == "day"
    assert sorted(row["date_precision"] for row in rows) == [
        "day",
        "month",
        "month",
        "unknown",
        "unknown",
    ]
    assert [row["author"] for row in rows if row["author"]] == ["Tijs van de Vijver"]

    shown = json.loads(newsmon(tmp_path, "articles", "show", str(first["id"]), "--json").stdout)
    assert shown["text"].endswith('versterkt zijn positie niet."')
    plain = newsmon(tmp_path, "articles", "show", str(first["id"])).stdout
    assert "Belarussen willen geen oorlog" in plain

    missing = newsmon(tmp_path, "articles", "show", "9999", check=False)
    assert missing.returncode != 0 and "no article with id 9999" in missing.stderr

    hits = [
        json.loads(x)
        for x in newsmon(tmp_path, "search", "huurlingen", "--json").stdout.splitlines()
    ]
    assert [h["title"][:20] for h in hits] == ["Op 27 februari wordt"]
    table = newsmon(tmp_path, "search", "legereenheid").stdout
    assert "[legereenheid]" in table  # match markers survive (no markup injection)


@pytest.mark.slow
@pytest.mark.parametrize("command", [["--help"], ["db", "--help"], ["articles", "--help"]])
def test_help_works(tmp_path: Path, command: list[str]) -> None:
    assert "Usage" in newsmon(tmp_path, *command).stdout
