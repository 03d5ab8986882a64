"""Folded text with an offset map, and term patterns compiled against it.

Tagging matches on folded text (NFKC, case-folded, diacritics stripped) but must report
evidence spans in the *original* text, so folding keeps a map from each folded character back
to the original offset.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch).casefold()
    decomposed = unicodedata.normalize("NFD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(slots=True)
class FoldedText:
    """``folded`` is the text to match on; ``offsets[i]`` is the original index of folded[i]."""

    original: str
    folded: str
    offsets: list[int]
    word_starts: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``(start, end)`` of the folded slice ``[start, end)``."""
        if start >= len(self.offsets):
            return len(self.original), len(self.original)
        return self.offsets[start], self.offsets[end - 1] + 1 if end > start else self.offsets[
            start
        ]

    def word_index(self, folded_pos: int) -> int:
        """The index of the word at (or just before) a folded offset, for NEAR/n distances."""
        return bisect_right(self.word_starts, folded_pos) - 1


def fold_with_offsets(text: str) -> FoldedText:
    """Fold ``text`` character by character, remembering where each folded char came from."""
    if text.isascii():
        folded = text.lower()
        offsets = list(range(len(text)))
    else:
        parts: list[str] = []
        offsets = []
        for index, ch in enumerate(text):
            piece = _fold_char(ch)
            parts.append(piece)
            offsets.extend([index] * len(piece))
        folded = "".join(parts)
    word_starts = [m.start() for m in _WORD.finditer(folded)]
    return FoldedText(text, folded, offsets, word_starts)


def pattern_regex(term: str) -> str:
    """The regex for one term pattern, matched on folded text.

    ``*`` at the end allows any word continuation (``kernwapen*``: kernwapens, kernwapentest);
    ``*`` at the start allows a compound head (``*eenheid``: legereenheid). A hyphen matches a
    hyphen, a space or nothing (Wit-Rusland, Wit Rusland, Witrusland); a space matches any run
    of whitespace. Otherwise the term must start and end at word boundaries.
    """
    folded = "".join(_fold_char(ch) for ch in term.strip())
    lead = folded.startswith("*")
    trail = folded.endswith("*")
    core = folded.strip("*")
    if not core:
        raise ValueError(f"empty term pattern {term!r}")
    pieces: list[str] = []
    for ch in core:
        if ch == "-":
            pieces.append(r"[-\s]?")
        elif ch == " ":
            pieces.append(r"\s+")
        elif ch == "*":
            pieces.append(r"\w*")
        else:
            pieces.append(re.escape(ch))
    body = "".join(pieces)
    # Every match starts at a word start (a compound head is part of the match), which lets
    # the regex engine reject most positions at once.
    start = r"(?<!\w)\w*?" if lead else r"(?<!\w)"
    end = r"\w*" if trail else r"(?!\w)"
    return f"{start}{body}{end}"


@dataclass(slots=True, frozen=True)
class Hit:
    """One matched span: folded offsets (for distances) and the term that matched."""

    start: int
    end: int
    term: str


class TermSet:
    """A named group of term patterns compiled into one regex (one scan per text)."""

    def __init__(self, name: str, terms: list[str], not_after: list[str] | None = None) -> None:
        if not terms:
            raise ValueError(f"term group {name!r} has no terms")
        self.name = name
        self.terms = list(terms)
        guards = "".join(f"(?<!{re.escape(g)})" for g in _folded_guards(not_after or []))
        alternatives = [f"(?P<t{i}>{pattern_regex(t)})" for i, t in enumerate(self.terms)]
        self._regex = re.compile(r"(?<!\w)" + guards + "(?:" + "|".join(alternatives) + ")")

    def find(self, text: FoldedText) -> list[Hit]:
        """Every non-overlapping match, leftmost first."""
        hits: list[Hit] = []
        for match in self._regex.finditer(text.folded):
            if match.end() == match.start():
                continue
            group = match.lastgroup or "t0"
            hits.append(Hit(match.start(), match.end(), self.terms[int(group[1:])]))
        return hits


def _folded_guards(guards: list[str]) -> list[str]:
    """Fixed-width lookbehind strings, folded like the text (e.g. 'wit-' before 'russisch')."""
    return ["".join(_fold_char(ch) for ch in g) for g in guards if g]
