"""Dependencies point one way: CLI, flows -> composition -> pipeline -> stages -> storage.

Scrapers may use processing's pure helpers (URL canonical form, whitespace), never the reverse.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.source_tree import ROOT, own_modules

# package -> top-level packages of this project it must never import
FORBIDDEN = {
    "flows": {"cli"},
    "composition": {"flows", "cli"},
    "pipeline": {"flows", "cli", "composition"},
    "scrapers": {"flows", "cli", "composition", "pipeline", "digests"},
    "processing": {"flows", "cli", "composition", "pipeline", "scrapers", "digests"},
    "digests": {"flows", "cli", "composition", "pipeline", "scrapers"},
    "storage": {"flows", "cli", "composition", "pipeline", "scrapers", "digests"},
}
# What the CLI may take from flows/: the flows and the one file of deployments and schedules,
# never their helpers (settings, contexts and backfill planning come from composition/).
FLOWS_ENTRY_POINTS = {
    "flows.serve",
    "flows.scheduler",
    "flows.ingest_flow",
    "flows.digest_flow",
    "flows.seed_flow",
    "flows.backfill_flow",
    "flows.retag_flow",
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


def imported_modules(path: Path) -> set[str]:
    """Full dotted names of every module ``path`` imports, lazily or not."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_cli_takes_only_the_flows_entry_points() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in imported_modules(path)
            if name.split(".")[0] == "flows" and name not in FLOWS_ENTRY_POINTS
        )
        for path in (ROOT / "cli").rglob("*.py")
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


@pytest.mark.parametrize("package", ["composition", "pipeline", "flows", "cli"])
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
