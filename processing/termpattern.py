"""Term patterns compiled for RE2: matching time linear in the text, whatever the pattern.

Python's ``re`` backtracks, so a term like ``a*-a*-a*-a*-b`` against one long word never
returns. google-re2 runs in time linear in the text and refuses what it cannot do that way;
newsmon refuses such a term with one line when the taxonomy is loaded. RE2 has no look-around,
so a term's end boundary is a consumed character (a non-word character, or the end of the
text), its start boundary is where the caller starts it (a word start), and guards (``not_after``
/ ``not_before``) are checked by the caller on the folded text.

RE2 works on UTF-8 bytes; :class:`Utf8Text` encodes a folded text once and maps character
offsets to byte offsets and back, so repeated matches cost no re-encoding.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import re2

#: Python's ``\w`` (letters, digits, underscore) and ``\s`` in RE2's Unicode classes.
WORD = r"[\p{L}\p{N}_]"
NOT_WORD = r"[^\p{L}\p{N}_]"
SPACE = r"[\s\x{0B}\x{1C}-\x{1F}\x{85}\p{Z}]"
END = rf"(?:{NOT_WORD}|$)"
MAX_TERM_CHARS = 200
_OPTIONS = re2.Options()
_OPTIONS.max_mem = 8 << 20  # a compiled term group stays small; a bigger one is refused


class TermPatternError(ValueError):
    """A term pattern cannot be compiled for linear-time matching (the message names it)."""


def term_alternative(index: int, folded_term: str) -> str:
    """The RE2 text of one folded term: group ``t<index>`` around the matched span, then its
    end boundary (consumed, outside the group).

    ``*`` at the end allows any word continuation (``kernwapen*``: kernwapens, kernwapentest);
    ``*`` at the start allows a compound head of at least three letters (``*eenheid``:
    legereenheid), so ``*oppositie`` is not found inside "toppositie". A hyphen matches a
    hyphen, a space or nothing (Wit-Rusland, Wit Rusland, Witrusland); a space matches any run
    of whitespace; an inner ``*`` any letters. Otherwise the term ends at a word boundary.
    """
    lead = folded_term.startswith("*")
    trail = folded_term.endswith("*")
    core = folded_term.strip("*")
    if not core:
        raise TermPatternError(f"empty term pattern {folded_term!r}")
    if len(core) > MAX_TERM_CHARS:
        raise TermPatternError(f"term pattern longer than {MAX_TERM_CHARS} characters")
    pieces: list[str] = []
    for ch in core:
        if ch == "-":
            pieces.append(rf"(?:-|{SPACE})?")
        elif ch == " ":
            pieces.append(rf"{SPACE}+")
        elif ch == "*":
            pieces.append(rf"{WORD}*")
        elif ch.isalnum() or ch == "_":
            pieces.append(ch)
        else:
            pieces.append(rf"\x{{{ord(ch):x}}}")
    head = rf"(?:{WORD}{{3,}}?)??" if lead else ""
    tail = rf"{WORD}*" if trail else ""
    return rf"(?P<t{index}>{head}{''.join(pieces)}{tail}){'' if trail else END}"


class ByteMatch(Protocol):
    """What newsmon reads of an RE2 match over bytes."""

    lastindex: int | None

    def start(self, group: int) -> int: ...

    def end(self, group: int) -> int: ...


class ByteProgram(Protocol):
    """What newsmon calls of a compiled RE2 program."""

    def match(self, text: bytes, pos: int = ..., endpos: int = ...) -> ByteMatch | None: ...

    def search(self, text: bytes, pos: int = ..., endpos: int = ...) -> ByteMatch | None: ...


@dataclass(frozen=True, slots=True)
class CompiledTerms:
    """A term group as two RE2 programs: ``anchored`` to try at one start, ``scanning`` to
    find every start (it consumes the non-word character before a match)."""

    anchored: ByteProgram
    scanning: ByteProgram


def compile_terms(folded_terms: list[str]) -> CompiledTerms:
    """Compile a group's folded terms (first alternative wins, as in a backtracking regex);
    :class:`TermPatternError` names the first term RE2 refuses."""
    alternatives = [term_alternative(i, t) for i, t in enumerate(folded_terms)]
    body = "|".join(alternatives)
    try:
        anchored: ByteProgram = re2.compile(body.encode(), _OPTIONS)
        scanning: ByteProgram = re2.compile(f"{NOT_WORD}(?:{body})".encode(), _OPTIONS)
    except re2.error as exc:
        for term, alternative in zip(folded_terms, alternatives, strict=True):
            try:
                re2.compile(alternative.encode(), _OPTIONS)
            except re2.error as single:
                raise TermPatternError(f"term {term!r} cannot be compiled: {single}") from None
        raise TermPatternError(f"the terms together cannot be compiled: {exc}") from None
    return CompiledTerms(anchored, scanning)


@dataclass(slots=True)
class Utf8Text:
    """A folded text as UTF-8 behind one leading space (so a match at offset 0 has a
    non-word character before it too), with its character <-> byte offset map."""

    data: bytes
    byte_at: list[int] | None = None  # byte offset of each character (and the end); None: ASCII

    @classmethod
    def of(cls, folded: str) -> Utf8Text:
        data = b" " + folded.encode("utf-8", "surrogatepass")
        if len(data) == len(folded) + 1:
            return cls(data)
        codes = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        widths = 1 + (codes >= 0x80).astype(np.int64) + (codes >= 0x800) + (codes >= 0x10000)
        offsets = np.concatenate(([1], 1 + np.cumsum(widths)))
        return cls(data, offsets.tolist())

    def to_byte(self, char_offset: int) -> int:
        """Where character ``char_offset`` of the folded text starts in ``data``."""
        return char_offset + 1 if self.byte_at is None else self.byte_at[char_offset]

    def to_char(self, byte_offset: int) -> int:
        """The folded character offset of a byte offset in ``data`` (a character boundary)."""
        if self.byte_at is None:
            return byte_offset - 1
        return bisect_left(self.byte_at, byte_offset)
