"""newsmon's own modules, for tests that read the source (layout, docstrings, private names)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tests.conftest import REPO_ROOT as ROOT

PACKAGES = (
    "cli",
    "composition",
    "flows",
    "pipeline",
    "scrapers",
    "processing",
    "digests",
    "storage",
)


def own_modules() -> Iterator[Path]:
    """Every Python file of the packages, Alembic's generated migrations aside."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path
