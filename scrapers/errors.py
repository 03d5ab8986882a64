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


class FeedParseError(ScraperError):
    """A feed that is not RSS/Atom we can read (malformed XML with no usable items)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: malformed feed: {reason}")
        self.url = url
        self.reason = reason


class SitemapParseError(ScraperError):
    """A sitemap (or sitemap index) that is not well-formed sitemap XML."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: malformed sitemap: {reason}")
        self.url = url
        self.reason = reason


class NoArticleError(ScraperError):
    """A page that holds no article text (video-only, live-blog index, empty); says why.

    ``pending``: the page may still become an article (a stub with too little text yet), so it
    is tried again for a while; a listing, a live blog or a video page is no article for good.
    """

    def __init__(self, url: str, reason: str, pending: bool = False) -> None:
        super().__init__(f"{url}: no article: {reason}")
        self.url = url
        self.reason = reason
        self.pending = pending


class ExtractionError(ScraperError):
    """A page that could not be decoded or parsed as HTML at all."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: extraction failed: {reason}")
        self.url = url
        self.reason = reason


class SourcesConfigError(ScraperError):
    """``sources.toml`` cannot be used; names the file and, where known, the source and field.

    ``problems`` holds every problem found as ``(source, field, message)`` triples; the
    attributes ``source`` and ``field`` repeat the first one for callers that show one line.
    """

    def __init__(
        self,
        path: Path | str,
        problems: list[tuple[str | None, str | None, str]],
    ) -> None:
        self.path = Path(path)
        self.problems = problems
        first_source, first_field, _ = problems[0] if problems else (None, None, "")
        self.source = first_source
        self.field = first_field
        lines = [_describe_problem(self.path, *problem) for problem in problems]
        super().__init__("\n".join(lines) if lines else f"{self.path}: invalid")


def _describe_problem(path: Path, source: str | None, field: str | None, message: str) -> str:
    where = [str(path)]
    if source is not None:
        where.append(f"source {source}")
    if field is not None:
        where.append(f"field {field!r}")
    return f"{', '.join(where)}: {message}"


class UnknownSourceError(ScraperError):
    """A user asked for a source name that the configuration does not define."""

    def __init__(self, unknown: list[str], known: list[str]) -> None:
        self.unknown = unknown
        self.known = known
        names = ", ".join(repr(name) for name in unknown)
        plural = "s" if len(unknown) > 1 else ""
        known_text = ", ".join(known) if known else "(none configured)"
        super().__init__(f"unknown source{plural} {names}; known sources: {known_text}")
