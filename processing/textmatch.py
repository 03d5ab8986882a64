"""Folded text with an offset map, and term patterns compiled against it.

Tagging matches on folded text (NFKC, case-folded, diacritics stripped) but must report
evidence spans in the *original* text, so folding keeps a map from each folded character back
to the original offset.

Speed: a term can only match where a word of the text starts with (or, for ``*word``,
contains) the term's leading letters. A :class:`TermIndex` over all term sets of a taxonomy
looks at each word of a text once (cached per distinct word) and lists, per term set, the word
starts where a match could begin; each set's linear-time RE2 program (``termpattern``) runs
only there, anchored: exactly what a full scan finds (leftmost, first alternative).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from processing.termpattern import Utf8Text, compile_terms

_WORD_CHAR = re.compile(r"\w", re.UNICODE)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_SERIALS = itertools.count()
WORD_CACHE_SIZE = 200_000  # distinct words remembered per index before it starts afresh


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch).casefold()
    decomposed = unicodedata.normalize("NFD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _word_mask_table() -> dict[int, str]:
    """ASCII translation: word characters stay, the others become a space (see ``_words``)."""
    return {c: chr(c) if _WORD_CHAR.match(chr(c)) else " " for c in range(128)}


_ASCII_WORD_MASK = _word_mask_table()
_SPACE = ord(" ")


@lru_cache(maxsize=8192)
def _mask_char(ch: str) -> str:
    """A non-ASCII folded character as an ASCII stand-in: ``a`` for a word character, else
    a space (so the masked text is ASCII and splits like ``\\w+`` runs)."""
    return "a" if _WORD_CHAR.match(ch) else " "


# Offset map breakpoints: (folded start, original index there, constant run?), starts ascending.
Breaks = list[tuple[int, int, bool]]


class OffsetMap:
    """Folded index -> original index, stored only where folding changed the length.

    Nearly every character folds to exactly one (``ë`` -> ``e``), so the map is the identity
    between a few breakpoints: a character that folds to several (``ß`` -> ``ss``, ``ﬁ``) is a
    run of folded characters that all map to it; one that folds to nothing (a combining mark)
    shifts what follows. Indexing behaves like the per-character list it replaces (negative
    indices, ``IndexError`` past the end), for ``FoldedText.span``.
    """

    __slots__ = ("_constant", "_origins", "_size", "_starts")

    def __init__(self, size: int, breaks: Breaks | None = None) -> None:
        self._size = size
        self._starts = [b[0] for b in breaks] if breaks else None
        self._origins = [b[1] for b in breaks] if breaks else []
        self._constant = [b[2] for b in breaks] if breaks else []

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, index: int) -> int:
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError("list index out of range")
        if self._starts is None:
            return index
        k = bisect_right(self._starts, index) - 1
        origin = self._origins[k]
        return origin if self._constant[k] else origin + index - self._starts[k]

    def to_list(self) -> list[int]:
        """Every folded character's original index (for tests and debugging)."""
        return [self[i] for i in range(self._size)]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, OffsetMap):
            other = other.to_list()
        return isinstance(other, list) and self.to_list() == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"OffsetMap({self.to_list()!r})"


@dataclass(slots=True)
class FoldedText:
    """``folded`` is the text to match on; ``offsets[i]`` is the original index of folded[i].

    ``words`` are the folded words (``\\w+`` runs) starting at ``word_starts``; ``candidates``
    is filled by :meth:`TermIndex.prepare` (term set serial -> word starts worth trying).
    """

    original: str
    folded: str
    offsets: OffsetMap
    word_starts: list[int]
    words: list[str]
    candidates: dict[int, list[int]] | None = None
    encoded: Utf8Text | None = None

    def utf8(self) -> Utf8Text:
        """The folded text as RE2 reads it (encoded once, on first use)."""
        if self.encoded is None:
            self.encoded = Utf8Text.of(self.folded)
        return self.encoded

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
    """Fold ``text`` character by character, remembering where each folded char came from.

    ASCII runs fold with ``str.lower`` (the same result, one call per run); only the other
    characters go through the per-character fold, and only those whose fold is not exactly one
    character leave a breakpoint in the offset map.
    """
    if text.isascii():
        folded = text.lower()
        offsets = OffsetMap(len(folded))
    else:
        folded, breaks = _fold_mixed(text)
        offsets = OffsetMap(len(folded), breaks)
    word_starts, words = _words(folded)
    return FoldedText(text, folded, offsets, word_starts, words)


def _fold_mixed(text: str) -> tuple[str, Breaks | None]:
    """The fold of a text with non-ASCII characters, and the breaks of its offset map (None
    when every character folded to exactly one)."""
    parts: list[str] = []
    breaks: Breaks = [(0, 0, False)]
    pos = shift = 0  # shift: folded length minus original length so far
    for match in _NON_ASCII.finditer(text):
        index = match.start()
        if index > pos:
            parts.append(text[pos:index].lower())
        piece = _fold_char(match.group())
        parts.append(piece)
        pos = index + 1
        if len(piece) == 1:
            continue
        here = index + shift
        if piece:  # several folded characters, all from this one
            _add_break(breaks, here, index, True)
        _add_break(breaks, here + len(piece), index + 1, False)
        shift += len(piece) - 1
    if pos < len(text):
        parts.append(text[pos:].lower())
    return "".join(parts), breaks if len(breaks) > 1 or breaks[0][1] else None


def _add_break(breaks: Breaks, start: int, origin: int, constant: bool) -> None:
    """Start a new run at folded ``start``; a run that would cover nothing is replaced."""
    if breaks[-1][0] == start:
        breaks[-1] = (start, origin, constant)
    else:
        breaks.append((start, origin, constant))


def _words(folded: str) -> tuple[list[int], list[str]]:
    """The ``\\w+`` runs of ``folded`` and where they start, without a regex: the text is
    masked to ASCII (word characters kept or ``a``, the others a space), and the runs are
    where the non-space flags switch on and off (numpy), the words what ``split`` gives."""
    ascii_text = folded.isascii()
    masked = folded if ascii_text else _NON_ASCII.sub(lambda m: _mask_char(m.group()), folded)
    spaced = masked.translate(_ASCII_WORD_MASK)
    # Flags of the text between two spaces: where they change, word i starts or ends at i.
    flags = np.frombuffer(f" {spaced} ".encode("ascii"), dtype=np.uint8) != _SPACE
    edges = np.flatnonzero(flags[1:] != flags[:-1])  # start, end, start, end…
    starts: list[int] = edges[::2].tolist()
    if ascii_text:
        return starts, spaced.split()
    ends: list[int] = edges[1::2].tolist()
    return starts, list(map(folded.__getitem__, map(slice, starts, ends)))


def fold_term(term: str) -> str:
    """A term or guard folded like the text."""
    return "".join(_fold_char(ch) for ch in term)


@dataclass(slots=True, frozen=True)
class WordKey:
    """What a word must look like for a term to match from its start.

    ``kind`` is ``exact`` (the word is ``text``), ``prefix`` (starts with it), ``suffix``
    (ends with it) or ``contains``. Necessary, not sufficient: the anchored regex decides.
    """

    kind: str
    text: str


def word_key(term: str) -> WordKey | None:
    """The :class:`WordKey` of a term, or None when a match could start off a word start
    (a term that begins with a non-word character): such a set is scanned in full."""
    folded = fold_term(term.strip())
    lead, trail = folded.startswith("*"), folded.endswith("*")
    core = folded.strip("*")
    head_len = 0
    while head_len < len(core) and _WORD_CHAR.match(core[head_len]):
        head_len += 1
    head = core[:head_len]
    if not head:
        return None
    whole = head == core  # one word: the match is exactly the word
    if lead:
        return WordKey("suffix" if whole and not trail else "contains", head)
    return WordKey("exact" if whole and not trail else "prefix", head)


@dataclass(slots=True, frozen=True)
class Hit:
    """One matched span: folded offsets (for distances) and the term that matched."""

    start: int
    end: int
    term: str


class TermSet:
    """A named group of term patterns compiled into one regex.

    ``not_after`` / ``not_before`` are literal strings that must not touch a match (``wit-``
    before ``russisch``; ``:`` after it, as in a transliteration label "Russisch: …").
    ``exclude`` are term sets whose matches overlap phrases that only look like this set's
    terms (``Minsk-akkoorden`` is not Belarus): a hit overlapping one of theirs is dropped.
    :meth:`find` runs the regex only at the word starts where one of the terms could match
    (see :class:`TermIndex`); a set with a term that can start off a word start is scanned in
    full.
    """

    def __init__(
        self,
        name: str,
        terms: list[str],
        not_after: list[str] | None = None,
        not_before: list[str] | None = None,
        exclude: list[TermSet] | None = None,
    ) -> None:
        if not terms:
            raise ValueError(f"term group {name!r} has no terms")
        self.name = name
        self.terms = list(terms)
        self.serial = next(_SERIALS)
        self.exclude = list(exclude or [])
        folded_terms = [fold_term(t.strip()) for t in self.terms]
        self._programs = compile_terms(folded_terms)
        self._not_after = _folded_guards(not_after or [])
        self._not_before = _folded_guards(not_before or [])
        keys = [word_key(t) for t in self.terms]
        self.keys: list[WordKey] | None = None if None in keys else [k for k in keys if k]
        self._own_index: TermIndex | None = None

    def find(self, text: FoldedText) -> list[Hit]:
        """Every non-overlapping match, leftmost first (the same as a full scan), less those
        inside an excluded phrase."""
        if self.keys is None:
            return self.scan(text)
        starts = text.candidates.get(self.serial) if text.candidates is not None else None
        if starts is None:  # not prepared by a taxonomy's index: look at the words here
            if self._own_index is None:
                self._own_index = TermIndex([self, *self.exclude])
            starts = self._own_index.starts(text)[self.serial]
        return self._without_excluded(text, self._match_at(text, starts))

    def scan(self, text: FoldedText) -> list[Hit]:
        """The same as :meth:`find` without the word index: RE2 finds every start."""
        utf8 = text.utf8()
        program, hits, pos = self._programs.scanning, [], 0
        while (found := program.search(utf8.data, pos)) is not None:
            group = found.lastindex or 1
            start = utf8.to_char(found.start(group))
            hit = self._accept(text, start, utf8.to_char(found.end(group)), group)
            if hit is None:
                pos = found.start(group)  # try the later starts (a non-word byte before them)
                continue
            hits.append(hit)
            pos = found.end(group)
        return self._without_excluded(text, hits)

    def _match_at(self, text: FoldedText, starts: Iterable[int]) -> list[Hit]:
        """The leftmost non-overlapping matches beginning at some of ``starts`` (word starts)."""
        utf8 = text.utf8()
        match = self._programs.anchored.match
        hits: list[Hit] = []
        end = 0
        for start in starts:
            if start < end:  # inside the previous match
                continue
            found = match(utf8.data, utf8.to_byte(start))
            if found is None:
                continue
            group = found.lastindex or 1
            hit = self._accept(text, start, utf8.to_char(found.end(group)), group)
            if hit is not None:
                hits.append(hit)
                end = hit.end
        return hits

    def _accept(self, text: FoldedText, start: int, end: int, group: int) -> Hit | None:
        """The hit, unless it is empty or a guard touches it."""
        folded = text.folded
        if end == start:
            return None
        if any(folded.startswith(g, start - len(g)) for g in self._not_after if start >= len(g)):
            return None
        if any(folded.startswith(g, end) for g in self._not_before):
            return None
        return Hit(start, end, self.terms[group - 1])

    def _without_excluded(self, text: FoldedText, hits: list[Hit]) -> list[Hit]:
        if not hits or not self.exclude:
            return hits
        spans = [(h.start, h.end) for ex in self.exclude for h in ex.find(text)]
        return [h for h in hits if not any(s < h.end and h.start < e for s, e in spans)]


class TermIndex:
    """Which term sets could match at which words: one pass over a text's words for all sets.

    The verdict per distinct word is cached (news vocabulary repeats), so a text costs about
    one dictionary lookup per word.
    """

    def __init__(self, term_sets: Iterable[TermSet]) -> None:
        self.serials: list[int] = []
        self._exact: dict[str, set[int]] = {}
        self._prefix: dict[str, set[int]] = {}
        self._suffix: dict[str, set[int]] = {}
        self._contains: list[tuple[str, int]] = []
        for term_set in term_sets:
            if term_set.keys is None or term_set.serial in self.serials:
                continue
            self.serials.append(term_set.serial)
            for key in term_set.keys:
                if key.kind == "contains":
                    self._contains.append((key.text, term_set.serial))
                    continue
                table = {"exact": self._exact, "prefix": self._prefix, "suffix": self._suffix}
                table[key.kind].setdefault(key.text, set()).add(term_set.serial)
        self._prefix_lengths = sorted({len(k) for k in self._prefix})
        self._suffix_lengths = sorted({len(k) for k in self._suffix})
        self._cache: dict[str, tuple[int, ...]] = {}

    def _classify(self, word: str) -> tuple[int, ...]:
        found: set[int] = set(self._exact.get(word, ()))
        size = len(word)
        for n in self._prefix_lengths:
            if n > size:
                break
            found.update(self._prefix.get(word[:n], ()))
        for n in self._suffix_lengths:
            if n > size:
                break
            found.update(self._suffix.get(word[-n:], ()))
        for needle, serial in self._contains:
            if serial not in found and needle in word:
                found.add(serial)
        return tuple(sorted(found))

    def starts(self, text: FoldedText) -> dict[int, list[int]]:
        """Per indexed set, the word starts of ``text`` where one of its terms could match."""
        found: dict[int, list[int]] = {serial: [] for serial in self.serials}
        cache = self._cache
        if len(cache) > WORD_CACHE_SIZE:
            cache.clear()
        for start, word in zip(text.word_starts, text.words, strict=True):
            serials = cache.get(word)
            if serials is None:
                serials = cache[word] = self._classify(word)
            for serial in serials:
                found[serial].append(start)
        return found

    def prepare(self, text: FoldedText) -> FoldedText:
        """Attach the candidate starts to ``text`` so every indexed set's ``find`` uses them."""
        text.candidates = self.starts(text)
        return text


def _folded_guards(guards: list[str]) -> list[str]:
    """Fixed-width lookbehind strings, folded like the text (e.g. 'wit-' before 'russisch')."""
    return [fold_term(g) for g in guards if g]
