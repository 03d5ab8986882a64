"""Text normalisation shared by exact dedup, near-dup shingling and tagging."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_PUNCT_OR_SPACE = re.compile(r"[\W_]+", re.UNICODE)
_WHITESPACE = re.compile(r"\s+")


def clean_whitespace(text: str) -> str:
    """Collapse runs of spaces/tabs inside lines and drop blank-line runs; keep paragraphs."""
    lines = [_WHITESPACE.sub(" ", line).strip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def fold(text: str) -> str:
    """NFKC, case-fold and strip diacritics: 'Oekraïne' and 'OEKRAINE' become equal."""
    text = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_for_hash(text: str) -> str:
    """The text reduced to folded words separated by single spaces (punctuation removed)."""
    return _PUNCT_OR_SPACE.sub(" ", fold(text)).strip()


def text_hash(text: str) -> str:
    """SHA-256 of the normalised text: equal for copies differing only in case, spacing or
    punctuation."""
    return hashlib.sha256(normalize_for_hash(text).encode("utf-8")).hexdigest()
