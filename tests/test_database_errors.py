"""A dead database is one clear line; a read-only SQLite file still answers the read commands."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli_process import cli_env, invoke, run


def test_an_unreachable_postgresql_is_one_line_naming_the_url_without_its_password(
    tmp_path: Path,
) -> None:
    url = "postgresql://newsmon:s3cret-pw@127.0.0.1:1/newsmon"
    env = cli_env(url, tmp_path / "sources.toml", tmp_path)
    result = invoke(env, "articles")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "s3cret-pw" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith("error: cannot use the database postgresql://newsmon:***@127.0.0.1:1/")
    assert "Connection refused" in line


@pytest.mark.slow  # the traceback a real process prints on its stderr
def test_with_vv_the_traceback_is_shown(tmp_path: Path) -> None:
    env = cli_env("postgresql://u:p@127.0.0.1:1/x", tmp_path / "s.toml", tmp_path)
    result = run(env, "-vv", "articles")
    assert result.returncode != 0
    assert "Traceback" in result.stderr or "OperationalError" in result.stderr


@pytest.mark.parametrize(
    "command",
    [("articles",), ("search", "Loekasjenko"), ("sources",), ("stories",)],
)
def test_read_commands_work_on_a_read_only_sqlite_file(
    sqlite_url: str, tmp_path: Path, command: tuple[str, ...]
) -> None:
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:  # a restored backup: not in WAL mode
        conn.execute("PRAGMA journal_mode=DELETE")
    sources = tmp_path / "sources.toml"
    sources.write_text("", encoding="utf-8")
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    result = invoke(cli_env(read_only, sources, tmp_path / "data"), *command)
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
