"""The README stays honest: it opens with the two set-up commands, and every `newsmon`
command it documents exists (and every CLI command is documented)."""

from __future__ import annotations

import re
from typing import Any

import typer.main

from cli.main import app
from composition.settings import Settings
from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def cli_commands() -> set[str]:
    """Every leaf command path of the CLI, e.g. 'db upgrade', 'articles show', 'seed'."""
    root = typer.main.get_command(app)
    found: set[str] = set()

    def walk(command: Any, prefix: list[str]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands is not None:
            if prefix and getattr(command, "invoke_without_command", False):
                found.add(" ".join(prefix))
            for name, sub in subcommands.items():
                walk(sub, [*prefix, name])
        else:
            found.add(" ".join(prefix))

    walk(root, [])
    return found


def documented_commands() -> set[str]:
    """Command paths named in README code spans like `newsmon articles show ID [--json]`."""
    documented: set[str] = set()
    for span in re.findall(r"`newsmon ([^`]+)`", README):
        words = []
        for word in span.split():
            if not re.fullmatch(r"[a-z][a-z-]*", word):
                break
            words.append(word)
        if words:
            documented.add(" ".join(words))
    return documented


def test_readme_opens_with_exactly_the_two_setup_commands() -> None:
    first_block = re.search(r"```(?:sh|bash)?\n(.*?)```", README, re.S)
    assert first_block is not None
    assert first_block.group(1).split("\n")[:-1] == ["make run", "make test"]
    assert README.index("```") < README.index("## ")


def test_every_documented_command_exists() -> None:
    commands = cli_commands()
    missing = {
        doc
        for doc in documented_commands()
        if not any(c == doc or c.startswith(doc + " ") for c in commands)
    }
    assert missing == set()


def test_every_command_is_documented() -> None:
    documented = documented_commands()
    assert cli_commands() - documented == set()


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        assert f"NEWSMON_{name.upper()}" in README, name
    example = (REPO_ROOT / ".env.example").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"NEWSMON_{name.upper()}" in example, name
