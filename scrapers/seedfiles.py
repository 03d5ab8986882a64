"""Read the seed corpus: five ``.txt`` files in three formats.

1. Header block: title line, ISO-8601 timestamp, URL, blank line, body.
2. Inline prefix `` date 2022-10 `` (month, or a day) before the body.
3. A bare body: the title is the first sentence and the date is unknown.

A "door NAME" byline line becomes the author; trailing site boilerplate (``Nieuwsuur`` /
``Buitenland`` / ``Deel artikel:``) is stripped. A day is never invented: a month-only date is
stored with precision ``month``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from processing.normalize import clean_whitespace
from processing.temporal import NEWSROOM_TZ
from scrapers.errors import SeedFileError
from storage.models import PRECISION_DAY, PRECISION_MONTH, PRECISION_UNKNOWN
from storage.records import ArticleRecord

SEED_ORIGIN = "seed"
SEED_SOURCE_NAME = "seeds"
# NOS publishes in Dutch local time; a timestamp without offset is read as that.
MAX_SEED_BYTES = 5_000_000
TITLE_MAX_CHARS = 160

_TIMESTAMP_LIKE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([T ]\S*)?$")
_DATE_PREFIX = re.compile(r"^\s*date\s+(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\s+", re.IGNORECASE)
_BYLINE = re.compile(r"^door\s+(\S.{1,80})$", re.IGNORECASE)
_BOILERPLATE_LINES = frozenset(
    {
        "nieuwsuur",
        "buitenland",
        "binnenland",
        "politiek",
        "economie",
        "nos nieuws",
        "deel artikel:",
        "deel artikel",
        "delen",
    }
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’']?\s")


@dataclass(slots=True)
class SeedLoad:
    """What reading the seed folder gave: the articles, and one error per bad file."""

    articles: list[ArticleRecord]
    errors: list[SeedFileError]


def load_seed_dir(seeds_dir: Path) -> SeedLoad:
    """Parse every ``*.txt`` in ``seeds_dir`` (sorted); a bad file is reported, not fatal."""
    if not seeds_dir.is_dir():
        raise SeedFileError(seeds_dir, "seed folder does not exist")
    return load_seed_files(sorted(seeds_dir.glob("*.txt")))


def load_seed_files(paths: Iterable[Path]) -> SeedLoad:
    """Parse the given seed files, collecting errors instead of stopping at the first."""
    articles: list[ArticleRecord] = []
    errors: list[SeedFileError] = []
    for path in paths:
        try:
            articles.append(parse_seed_file(path))
        except SeedFileError as err:
            errors.append(err)
    return SeedLoad(articles=articles, errors=errors)


def parse_seed_file(path: Path) -> ArticleRecord:
    """Parse one seed file or raise :class:`SeedFileError` naming the file and the reason."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SeedFileError(path, f"cannot read file: {exc.strerror or exc}") from exc
    return parse_seed_bytes(raw, path)


def parse_seed_bytes(raw: bytes, path: Path) -> ArticleRecord:
    """Parse seed content already read from ``path`` (the name is used for identity)."""
    if len(raw) > MAX_SEED_BYTES:
        raise SeedFileError(path, f"file is {len(raw)} bytes, over the {MAX_SEED_BYTES} limit")
    if not raw.strip():
        raise SeedFileError(path, "file is empty")
    if b"\x00" in raw:
        raise SeedFileError(path, "file looks binary (contains NUL bytes)")
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SeedFileError(
            path, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        ) from exc

    lines = content.splitlines()
    published_at: datetime | None
    date_source: str | None
    url: str | None
    header = _parse_header(lines, path)
    if header is not None:
        title, published_at, url, body_lines = header
        precision, date_source = PRECISION_DAY, "header"
    else:
        title, url = "", None
        published_at, precision, date_source, content = _parse_date_prefix(content, path)
        body_lines = content.splitlines()

    author, body_lines = _extract_byline(body_lines)
    body = clean_whitespace("\n".join(_strip_boilerplate(body_lines)))
    if not body:
        raise SeedFileError(path, "no article text after the header")
    if not title:
        title = first_sentence(body)

    stem = path.stem
    return ArticleRecord(
        canonical_url=url or f"seed:{stem}",
        url=url,
        title=title,
        text=body,
        origin=SEED_ORIGIN,
        source_name=SEED_SOURCE_NAME,
        author=author,
        language="nl",
        published_at=published_at,
        date_precision=precision,
        date_source=date_source,
        seed_file=path.name,
    )


def _parse_header(lines: list[str], path: Path) -> tuple[str, datetime, str, list[str]] | None:
    """Format 1, or None when the file does not start with a title/timestamp/URL block."""
    if len(lines) < 3:
        return None
    title, stamp, url = (line.strip() for line in lines[:3])
    if not _TIMESTAMP_LIKE.match(stamp):
        return None
    if not url.startswith(("http://", "https://")):
        raise SeedFileError(path, f"header line 3 should be the article URL, got {url[:60]!r}")
    if not title:
        raise SeedFileError(path, "header line 1 (the title) is empty")
    return title, parse_timestamp(stamp, path), url, lines[3:]


def parse_timestamp(stamp: str, path: Path) -> datetime:
    """An ISO-8601 timestamp as aware UTC; local NOS time when it carries no offset."""
    text = stamp.strip().replace(" ", "T")
    # Python < 3.12 needs the colon in "+0200"-style offsets.
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text).replace("Z", "+00:00")
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise SeedFileError(path, f"impossible date in header: {stamp!r} ({exc})") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=NEWSROOM_TZ)
    return value.astimezone(UTC)


def _parse_date_prefix(content: str, path: Path) -> tuple[datetime | None, str, str | None, str]:
    """Format 2 (`` date YYYY-MM[-DD] `` before the body) or format 3 (nothing)."""
    match = _DATE_PREFIX.match(content)
    if not match:
        return None, PRECISION_UNKNOWN, None, content
    year, month = int(match.group(1)), int(match.group(2))
    day = int(match.group(3)) if match.group(3) else None
    try:
        value = datetime(year, month, day or 1, tzinfo=UTC)
    except ValueError as exc:
        raise SeedFileError(path, f"impossible date in prefix: {match.group(0).strip()!r}") from exc
    precision = PRECISION_DAY if day else PRECISION_MONTH
    return value, precision, "prefix", content[match.end() :]


def _extract_byline(lines: list[str]) -> tuple[str | None, list[str]]:
    """Take the first short "door NAME" line (in the first ten lines) out as the author."""
    for index, line in enumerate(lines[:10]):
        match = _BYLINE.match(line.strip())
        if match and len(match.group(1).split()) <= 6:
            return match.group(1).strip(), lines[:index] + lines[index + 1 :]
    return None, lines


def _strip_boilerplate(lines: list[str]) -> list[str]:
    """Drop trailing site chrome lines (section names, share prompts) and blank lines."""
    end = len(lines)
    while end and (
        not lines[end - 1].strip() or lines[end - 1].strip().casefold() in _BOILERPLATE_LINES
    ):
        end -= 1
    return lines[:end]


def first_sentence(body: str, max_chars: int = TITLE_MAX_CHARS) -> str:
    """A title for an untitled seed: its first sentence, cut at a word if very long."""
    first_paragraph = body.strip().split("\n", 1)[0]
    sentence = _SENTENCE_END.split(first_paragraph, maxsplit=1)[0].strip()
    if len(sentence) <= max_chars:
        return sentence
    cut = sentence[:max_chars].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
