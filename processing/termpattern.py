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

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np
import re2

#: RE2 reads a *mapped* folded text (:class:`Utf8Text`): a non-ASCII character that is not a
#: word character (Python's ``\w``) becomes ASCII (a space if it is one, else ``\x01``), so
#: the word classes are small ASCII classes; RE2's ``\p{L}`` costs milliseconds per use.
WORD = r"[0-9A-Za-z_\x{80}-\x{10FFFF}]"
NOT_WORD = r"[^0-9A-Za-z_\x{80}-\x{10FFFF}]"
SPACE = r"[\t\n\x0B\x0C\r\x1C-\x1F ]"
OTHER = "\x01"  # what a non-ASCII non-word character reads as
END = rf"(?:{NOT_WORD}|$)"
MAX_TERM_CHARS = 200
_WORD_CHAR = re.compile(r"\w")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_OPTIONS = re2.Options()
_OPTIONS.max_mem = 8 << 20  # a compiled term group stays small; a bigger one is refused


class TermPatternError(ValueError):
    """A term pattern cannot be compiled for linear-time matching (the message names it)."""


def term_alternative(index: int, folded_term: str) -> str:
    """The RE2 text of one folded term: group ``t<index>`` around the matched span (the end
    boundary follows the group; see :func:`compile_terms`).

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
        else:
            pieces.append(_literal(ch))
    head = rf"(?:{WORD}{{3,}}?)??" if lead else ""
    tail = rf"{WORD}*" if trail else ""
    return rf"(?P<t{index}>{head}{''.join(pieces)}{tail})"


def _literal(ch: str) -> str:
    """One character of a term as RE2 text, mapped like the text (see :class:`Utf8Text`)."""
    if ch.isascii():
        return ch if ch.isalnum() or ch == "_" else rf"\x{{{ord(ch):x}}}"
    mapped = _map_char(ch)
    return ch if mapped == ch else (SPACE if mapped == " " else rf"\x{{{ord(OTHER):x}}}")


@lru_cache(maxsize=8192)
def _map_char(ch: str) -> str:
    if _WORD_CHAR.match(ch):
        return ch
    return " " if ch.isspace() else OTHER


def map_text(folded: str) -> str:
    """``folded`` with each non-ASCII non-word character made ASCII (same length)."""
    if folded.isascii():
        return folded
    return _NON_ASCII.sub(lambda m: _map_char(m.group()), folded)


class ByteMatch(Protocol):
    """What newsmon reads of an RE2 match over bytes."""

    lastindex: int | None

    def start(self, group: int) -> int: ...

    def end(self, group: int) -> int: ...


class ByteProgram(Protocol):
    """What newsmon calls of a compiled RE2 program."""

    def match(self, text: bytes, pos: int = ..., endpos: int = ...) -> ByteMatch | None: ...

    def search(self, text: bytes, pos: int = ..., endpos: int = ...) -> ByteMatch | None: ...


class CompiledTerms:
    """A term group as RE2 programs: ``anchored`` to try at one start, ``scanning`` (compiled
    on first use) to find every start; it consumes the non-word character before a match."""

    __slots__ = ("_body", "_scanning", "anchored")

    def __init__(self, body: str) -> None:
        self._body = body
        self.anchored: ByteProgram = _compile(body)
        self._scanning: ByteProgram | None = None

    @property
    def scanning(self) -> ByteProgram:
        if self._scanning is None:
            self._scanning = _compile(f"{NOT_WORD}{self._body}")
        return self._scanning


def compile_terms(folded_terms: list[str]) -> CompiledTerms:
    """Compile a group's folded terms (first alternative wins, as in a backtracking regex);
    :class:`TermPatternError` names the first term RE2 refuses.

    The end boundary is shared: after a term ending in ``*`` (greedy to the word's end) it
    always holds, so ``(?:a|b*)END`` prefers what ``a END|b*`` would, at a fraction of the size.
    """
    alternatives = [term_alternative(i, t) for i, t in enumerate(folded_terms)]
    body = "(?:" + "|".join(alternatives) + ")" + END
    try:
        return CompiledTerms(body)
    except re2.error as exc:
        for term, alternative in zip(folded_terms, alternatives, strict=True):
            try:
                _compile(alternative)
            except re2.error as single:
                raise TermPatternError(f"term {term!r} cannot be compiled: {single}") from None
        raise TermPatternError(f"the terms together cannot be compiled: {exc}") from None


def _compile(pattern: str) -> ByteProgram:
    compiled: ByteProgram = re2.compile(pattern.encode(), _OPTIONS)
    return compiled


@dataclass(slots=True)
class Utf8Text:
    """A folded text, mapped (:func:`map_text`) and as UTF-8 behind one leading space (so a
    match at offset 0 has a non-word character before it too), with its character <-> byte
    offset map."""

    data: bytes
    byte_at: list[int] | None = None  # byte offset of each character (and the end); None: ASCII

    @classmethod
    def of(cls, folded: str) -> Utf8Text:
        folded = map_text(folded)
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
