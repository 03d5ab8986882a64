"""Commands imported when they are used: `newsmon articles` never loads the ingest stack.

Every command module pulls in its own part of newsmon (the ingest pipeline, digests, Prefect
wiring); importing them all before each command made a read command pay for every other one.
The root group names each command by ``module:attribute`` and imports it on first use; help
and typo suggestions still list every command.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from importlib import import_module
from typing import Any, ClassVar

import typer
import typer.main
from typer.core import TyperGroup


class LazyCommands(MutableMapping[str, Any]):
    """A group's commands by name: the ones built already, and the ones still to import."""

    def __init__(self, built: MutableMapping[str, Any], lazy: dict[str, str]) -> None:
        self._built = dict(built)
        self._lazy = {name: target for name, target in lazy.items() if name not in built}
        self._order = [*self._lazy, *self._built]  # the table's order first, as help shows it

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in self._lazy:
                raise KeyError(name)
            self._built[name] = load_command(name, self._lazy.pop(name))
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        if name not in self._order:
            self._order.append(name)
        self._lazy.pop(name, None)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self._built and name not in self._lazy:
            raise KeyError(name)
        self._built.pop(name, None)
        self._lazy.pop(name, None)
        self._order.remove(name)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, name: object) -> bool:
        return name in self._built or name in self._lazy


def load_command(name: str, target: str) -> Any:
    """The click command for ``module:attribute``: a Typer app (a group) or a command function."""
    module_name, _, attribute = target.partition(":")
    obj = getattr(import_module(module_name), attribute)
    command: Any
    if isinstance(obj, typer.Typer):
        command = typer.main.get_group(obj)
    else:
        from cli.errors import OperatorTyper

        single = OperatorTyper(add_completion=False)
        single.command(name)(obj)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """A Typer root group whose commands listed in :attr:`lazy_commands` load on first use."""

    lazy_commands: ClassVar[dict[str, str]] = {}  # name -> "module:attribute", in help order

    def __init__(self, *, commands: Any = None, **kwargs: Any) -> None:
        super().__init__(commands=commands, **kwargs)
        self.commands = LazyCommands(self.commands, self.lazy_commands)
