"""``fold_with_offsets`` keeps only breakpoints of its offset map and splits words without a
regex; both must give exactly what the per-character fold (kept here as the reference) gives."""

from __future__ import annotations

import random
import re

import pytest

from processing.textmatch import FoldedText, _fold_char, fold_with_offsets

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WORD = re.compile(r"\w+")
ALPHABET = [
    *"aBz_9 -.,\n\t",
    "ß", "ﬁ", "ﬃ", "İ", "\u0301", "\u0308", "ë", "Ï", "Ｍ", "ŉ", "ǰ", "ΐ", "😀", "€", "’", "“",
    "Д", "ς", "Σ", "½", "①", "\u00ad", "\u200b", "\ufeff", "ﷺ", "㎞", "ǅ", "Ⅻ", "\u00a0", "\u0345",
]  # fmt: skip


def reference(text: str) -> tuple[str, list[int], list[int], list[str]]:
    """The per-character fold with a full offset list (the implementation this replaced)."""
    parts: list[str] = []
    offsets: list[int] = []
    pos = 0
    for match in _NON_ASCII.finditer(text):
        index = match.start()
        parts.append(text[pos:index].lower())
        offsets.extend(range(pos, index))
        piece = _fold_char(match.group())
        parts.append(piece)
        offsets.extend([index] * len(piece))
        pos = index + 1
    parts.append(text[pos:].lower())
    offsets.extend(range(pos, len(text)))
    folded = "".join(parts)
    found = list(_WORD.finditer(folded))
    return folded, offsets, [m.start() for m in found], [m.group() for m in found]


def reference_span(offsets: list[int], original: str, start: int, end: int) -> object:
    try:
        if start >= len(offsets):
            return len(original), len(original)
        return offsets[start], offsets[end - 1] + 1 if end > start else offsets[start]
    except IndexError as err:
        return ("IndexError", str(err))


def new_span(text: FoldedText, start: int, end: int) -> object:
    try:
        return text.span(start, end)
    except IndexError as err:
        return ("IndexError", str(err))


def samples() -> list[str]:
    rng = random.Random(11)
    out = ["", "a", "é", "e\u0301", "\u0301\u0301x", "ßß", "xß\u0301ﬁ", "Straße ﬁnale Ｍinsk"]
    out += ["".join(rng.choices(ALPHABET, k=rng.randint(1, 25))) for _ in range(3000)]
    return out


@pytest.mark.parametrize("text", samples()[:8])
def test_small_cases(text: str) -> None:
    check(text)


def test_random_mixes_equal_the_reference() -> None:
    for text in samples():
        check(text)


def check(text: str) -> None:
    folded, offsets, starts, words = reference(text)
    new = fold_with_offsets(text)
    assert (new.folded, new.word_starts, new.words) == (folded, starts, words), text
    assert new.offsets.to_list() == offsets, text
    size = len(folded)
    for start in range(-size - 2, size + 2):
        for end in range(-2, size + 3):
            expected = reference_span(offsets, text, start, end)
            assert new_span(new, start, end) == expected, (text, start, end)
    for pos in range(-2, size + 3):
        assert new.word_index(pos) == bisect_index(starts, pos)


def bisect_index(starts: list[int], pos: int) -> int:
    return sum(1 for s in starts if s <= pos) - 1


def test_long_ascii_and_mixed_texts() -> None:
    text = "Loekasjenko zegt: ‘Rusland’ — en Wit-Rusland (Belarus) “Straße” Лукашенко. " * 200
    for sample in (text, text.encode("ascii", "ignore").decode()):
        folded, offsets, starts, words = reference(sample)
        new = fold_with_offsets(sample)
        assert (new.folded, new.word_starts, new.words) == (folded, starts, words)
        assert new.offsets.to_list() == offsets
