"""Clean names: no public name defined in two packages, constants and config loading in one
place (DESIGN.md: one article's path should read without look-alikes)."""

from __future__ import annotations

import ast
from collections import defaultdict

from tests.source_tree import ROOT, own_modules


def public_definitions() -> dict[str, set[str]]:
    """Each public top-level function or class name -> the packages defining it."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in own_modules():
        package = path.relative_to(ROOT).parts[0]
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            if isinstance(node, kinds) and not node.name.startswith("_"):
                found[node.name].add(package)
    return found


def test_no_public_function_or_class_name_is_defined_in_two_packages() -> None:
    twice = {name: sorted(where) for name, where in public_definitions().items() if len(where) > 1}
    assert twice == {}


def test_no_module_name_is_shared_by_three_packages() -> None:
    where: dict[str, set[str]] = defaultdict(set)
    for path in own_modules():
        if path.name != "__init__.py":
            where[path.stem].add(path.relative_to(ROOT).parts[0])
    common = {"errors", "sources"}  # left for their owners' branches (see the lead's notes)
    assert {stem for stem, packages in where.items() if len(packages) > 2} <= common


def test_the_newsroom_time_zone_is_written_once() -> None:
    places = [
        str(path.relative_to(ROOT))
        for path in own_modules()
        if '"Europe/Amsterdam"' in path.read_text(encoding="utf-8")
    ]
    assert places == ["processing/temporal.py"]


def test_the_sources_file_is_loaded_in_one_place() -> None:
    callers = sorted(
        str(path.relative_to(ROOT))
        for path in own_modules()
        if "load_sources_file(" in path.read_text(encoding="utf-8")
        and path.relative_to(ROOT).parts[0] != "scrapers"  # where it is defined
    )
    assert callers == ["composition/settings.py"]
