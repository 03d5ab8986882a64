"""Typed errors of the scrapers, each saying what failed and why."""

from __future__ import annotations

from pathlib import Path


class ScraperError(Exception):
    """Base class of everything the scrapers raise on bad input or a failed fetch."""


class SeedFileError(ScraperError):
    """A seed file that cannot be read as an article; names the file and the reason."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason
