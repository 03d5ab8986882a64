"""A new user's first hour: `--version`, the next steps `make run` ends with, and
`newsmon demo`, whose first digest has content without the network (stories, a
near-duplicate, a paywall teaser, a breaking alert, a failing source)."""

from __future__ import annotations

import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.cli_process import newsmon_cmd
from tests.conftest import REPO_ROOT


def test_version_prints_the_installed_version_and_exits_0() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"newsmon {version('newsmon')}"


@pytest.mark.slow
def test_make_run_ends_with_the_next_steps(tmp_path: Path) -> None:
    digests = tmp_path / "digests"
    digests.mkdir()
    (digests / "2026-12-06.html").write_text("<html></html>", encoding="utf-8")
    result = subprocess.run(
        ["make", "-s", "--no-print-directory", "next-steps"],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", "NEWSMON_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    out = result.stdout
    assert f"{digests}/2026-12-06.html" in out  # the HTML digest, not only the Markdown
    assert ".venv/bin/newsmon --help" in out  # where the command lives
    assert "make demo" in out
    assert "newsmon sources check NAME" in out and "enabled = true" in out


@pytest.mark.slow
def test_demo_writes_a_digest_with_stories_a_duplicate_a_teaser_and_an_alert(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "demo"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "COLUMNS": "80",
    }
    result = subprocess.run(
        [*newsmon_cmd("demo", "--dir", str(folder))],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (markdown,) = (folder / "digests").glob("*.md")
    text = markdown.read_text(encoding="utf-8")
    assert "## Breaking" in text  # the story three outlets published within hours
    assert "Poetin en Loekasjenko tekenen nieuw verdrag" in text
    assert "near-duplicate" in text
    assert "teaser: feed summary only" in text
    assert "nos-kapot" in text.split("## Source health")[1]  # broken on purpose
    assert (folder / "digests" / markdown.name.replace(".md", ".html")).is_file()
    assert (folder / "newsmon.db").is_file()  # its own database, not data/
    assert markdown.with_suffix(".html").as_uri() in result.stdout  # where to look next
    assert not (folder / "sources.toml").read_text().count("nos.nl")  # nothing off this machine
