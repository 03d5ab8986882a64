"""Small text helpers of the digest: the two-sentence lead, the outlet name, printed times."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from processing.urls import SEED_OUTLET, is_tracking_param, outlet_name
from storage.models import PRECISION_DAY, PRECISION_MONTH

__all__ = ["SEED_OUTLET"]  # re-exported: digests.group names the seeds' outlet through here

LEAD_SENTENCES = 2
LEAD_MAX_CHARS = 400
# A sentence ends at . ! ? or … (optionally followed by a closing quote) and whitespace, but
# not after a single capital (initials: "A. Loekasjenko").
_SENTENCE_END = re.compile(r"(?<!\b[A-Z]\.)(?<=[.!?…])[\"”’')]?\s+")
_SPACES = re.compile(r"\s+")


# A byline line at the top of an article: "door Sander van Hoorn", "Door X, correspondent".
_BYLINE = re.compile(r"^(?:door|by)\s+(?P<name>[^,|–—]{2,60})(?:\s*[,|–—]\s*.{0,60})?$", re.I)
_NAME_PARTICLES = frozenset(
    {"van", "de", "der", "den", "het", "ten", "ter", "te", "in", "'t", "en"}
)
HEADING_LINES = 4  # title, byline and blank lines are looked for among the first lines only


def is_byline(line: str) -> bool:
    """``door`` / ``by`` and a name (capitalised words and particles), maybe ``, role``."""
    found = _BYLINE.match(line)
    if found is None:
        return False
    words = found.group("name").split()
    return (
        1 <= len(words) <= 6
        and all(word[:1].isupper() or word.casefold() in _NAME_PARTICLES for word in words)
        and any(word[:1].isupper() for word in words)
    )


def body_start(text: str, title: str | None = None) -> str:
    """``text`` without the title and byline lines extraction leaves at its top."""
    lines = text.strip().splitlines()
    wanted = _SPACES.sub(" ", title or "").strip().casefold()
    skip = 0
    for line in lines[:HEADING_LINES]:
        flat = _SPACES.sub(" ", line).strip()
        if flat and flat.casefold() != wanted and not is_byline(flat):
            break
        skip += 1
    return "\n".join(lines[skip:])


def lead(
    text: str,
    sentences: int = LEAD_SENTENCES,
    max_chars: int = LEAD_MAX_CHARS,
    title: str | None = None,
) -> str:
    """The first ``sentences`` sentences of the body, after the title and the byline, cut at
    a word beyond ``max_chars``."""
    flat = _SPACES.sub(" ", body_start(text, title)).strip()
    flat = _without_title_sentence(flat, title)
    if not flat:
        return ""
    parts: list[str] = []
    position = 0
    for match in _SENTENCE_END.finditer(flat):
        parts.append(flat[position : match.end()].strip())
        position = match.end()
        if len(parts) == sentences:
            break
    else:
        parts.append(flat[position:].strip())
    result = " ".join(p for p in parts[:sentences] if p)
    if len(result) <= max_chars:
        return result
    cut = result[:max_chars].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def outlet(url: str | None, source_name: str | None, origin: str) -> str:
    """Who published it: the URL's host without ``www.``, else the source, else the origin."""
    return outlet_name(url, source_name, origin)


def _without_title_sentence(flat: str, title: str | None) -> str:
    """The text after its first sentence when the title is that sentence (or its start): an
    untitled seed's title is derived from it, and the lead should not say it twice."""
    wanted = _SPACES.sub(" ", title or "").strip().rstrip("…").strip()
    if len(wanted) < 20 or not flat.casefold().startswith(wanted.casefold()):
        return flat
    end = _SENTENCE_END.search(flat, len(wanted) - 1)
    return flat[end.end() :].strip() if end else ""


def clean_link(url: str | None) -> str | None:
    """``url`` without tracking parameters (``utm_*``, ``fbclid`` …), as a reader clicks it;
    the rest of the URL, its order and its encoding stay as they were."""
    if not url:
        return url
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(name, value) for name, value in pairs if not is_tracking_param(name)]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept)))


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def published_label(value: datetime | None, precision: str, tz: ZoneInfo) -> str:
    """A publication time as precise as it is known: ``2022-10-12 07:00``, ``October 2022``,
    or ``date unknown``; never a day that was not given."""
    if value is None:
        return "date unknown"
    if precision == PRECISION_MONTH:
        # Month-precision dates are stored as the first of the month in UTC: read them in UTC
        # so no zone shifts them into the previous month.
        return f"{MONTHS[value.month - 1]} {value.year}"
    if precision != PRECISION_DAY:
        return "date unknown"
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def clock(value: datetime | None, tz: ZoneInfo) -> str:
    """A timestamp in the digest's zone (``2026-11-23 14:05``), or ``never``."""
    if value is None:
        return "never"
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
