"""The root command group imports a command's module only when it is used, and still lists,
documents and suggests every command."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from cli.lazy import LazyCommands
from cli.main import NewsmonCommands, app


def test_help_lists_every_command_in_the_tables_order() -> None:
    result = CliRunner().invoke(app, ["--help"], terminal_width=100)
    assert result.exit_code == 0
    listed = re.findall(r"^│ (\w+)\s{2,}", result.output, re.M)
    assert listed == list(NewsmonCommands.lazy_commands)


def test_a_misspelt_command_gets_a_suggestion() -> None:
    result = CliRunner().invoke(app, ["injest"])
    assert result.exit_code == 2
    assert "Did you mean 'ingest'" in result.output


def test_every_table_entry_loads_a_command_of_that_name() -> None:
    root = typer.main.get_command(app)
    for name in NewsmonCommands.lazy_commands:
        command = root.commands[name]  # type: ignore[attr-defined]
        assert command.name == name
        assert command.help


def test_a_command_module_is_imported_on_first_use_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "lazy_probe_commands.py").write_text(
        'def hello() -> None:\n    """Say hello."""\n    print("hello")\n', encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    commands = LazyCommands({}, {"hello": "lazy_probe_commands:hello"})
    assert list(commands) == ["hello"] and "hello" in commands
    assert "lazy_probe_commands" not in sys.modules
    assert commands["hello"].name == "hello"
    assert "lazy_probe_commands" in sys.modules
    assert "nope" not in commands and commands.get("nope") is None
    monkeypatch.delitem(sys.modules, "lazy_probe_commands")
