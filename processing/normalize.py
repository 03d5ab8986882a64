"""Text normalisation shared by exact dedup, near-dup shingling and tagging."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_PUNCT_OR_SPACE = re.compile(r"[\W_]+", re.UNICODE)
_WHITESPACE = re.compile(r"\s+")
# Combining marks left by NFD (Latin, Cyrillic, Hebrew and the extended blocks); a regex is
# ~20x faster than testing unicodedata.combining() per character.
_COMBINING = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)


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
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKC", text).casefold()
    return _COMBINING.sub("", unicodedata.normalize("NFD", text))


def _ascii_separators() -> dict[int, str]:
    """ASCII translation: what ``_PUNCT_OR_SPACE`` matches becomes a space, the rest stays."""
    return {c: " " if _PUNCT_OR_SPACE.match(chr(c)) else chr(c) for c in range(128)}


_ASCII_SEPARATORS = _ascii_separators()


def hash_words(text: str) -> list[str]:
    """The words of :func:`normalize_for_hash` (it joins them with single spaces).

    A folded text is nearly always ASCII (Dutch diacritics fold away); then a translation
    table and ``str.split`` give the same words as the regex, several times faster.
    """
    folded = fold(text)
    if folded.isascii():
        return folded.translate(_ASCII_SEPARATORS).split()
    return _PUNCT_OR_SPACE.sub(" ", folded).split()


def normalize_for_hash(text: str) -> str:
    """The text reduced to folded words separated by single spaces (punctuation removed)."""
    return " ".join(hash_words(text))


def text_hash(text: str) -> str:
    """SHA-256 of the normalised text: equal for copies differing only in case, spacing or
    punctuation."""
    return hashlib.sha256(normalize_for_hash(text).encode("utf-8")).hexdigest()
