"""Dependencies point one way: CLI, flows -> pipeline -> stages -> storage (DESIGN.md).

Scrapers may use processing's pure helpers (URL canonical form, whitespace), never the reverse.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.source_tree import ROOT, own_modules

# package -> top-level packages of this project it must never import
FORBIDDEN = {
    "pipeline": {"flows", "cli"},
    "scrapers": {"flows", "cli", "pipeline", "digests"},
    "processing": {"flows", "cli", "pipeline", "scrapers", "digests"},
    "digests": {"flows", "cli", "pipeline", "scrapers"},
    "storage": {"flows", "cli", "pipeline", "scrapers", "digests"},
}


def imported_packages(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports, lazily or not."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_only_what_lies_below_it(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
        if "migrations/versions" not in str(path)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_checker_sees_a_lazy_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from flows.serve import x\n    import cli.main\n")
    assert imported_packages(module) == {"flows", "cli"}


# What pipeline/ and flows/ may take from SQLAlchemy: handles and errors, never statements.
SQLALCHEMY_ALLOWED = {
    "Engine",
    "Session",
    "SQLAlchemyError",
    "OperationalError",
    "DBAPIError",
    "NoSuchModuleError",
    "make_url",
}


def sqlalchemy_names(path: Path) -> set[str]:
    """Names ``path`` imports from SQLAlchemy (``sqlalchemy`` itself counts as a name)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("sqlalchemy"))
    return names


@pytest.mark.parametrize("package", ["pipeline", "flows", "cli"])
def test_every_sql_statement_lives_in_storage(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(sqlalchemy_names(path) - SQLALCHEMY_ALLOWED)
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


MAX_MODULE_DOC_LINES = 11  # "about ten": why the module exists; history goes to benchmarks/


def test_module_docstrings_stay_short() -> None:
    long = {}
    for path in own_modules():
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if len(doc.splitlines()) > MAX_MODULE_DOC_LINES:
            long[str(path.relative_to(ROOT))] = len(doc.splitlines())
    assert long == {}
