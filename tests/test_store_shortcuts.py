"""The store's and the parsing worker's shortcuts give what the long way gives."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.article_store import EMPTY_TEXT_HASH
from processing.dedup import hash_and_signature, signature
from processing.normalize import normalize_for_hash, text_hash

TEXTS = [
    "",
    "  ... !!! ",
    "Kort.",
    "Loekasjenko en Poetin spraken in Minsk over de Unie-staat. " * 20,
    "Oekraïne, OEKRAINE en oekraine: één woord na het vouwen van diakrieten en hoofdletters. " * 5,
]


@pytest.mark.parametrize("text", TEXTS)
def test_hash_and_signature_equal_separate_calls(text: str) -> None:
    digest, minhash = hash_and_signature(text)
    assert digest == text_hash(text)
    expected = signature(text)
    if expected is None:
        assert minhash is None
    else:
        assert minhash is not None
        assert np.array_equal(minhash.hashvalues, expected.hashvalues)


@pytest.mark.parametrize("text", TEXTS)
def test_empty_text_hash_marks_texts_without_words(text: str) -> None:
    assert (text_hash(text) == EMPTY_TEXT_HASH) == (not normalize_for_hash(text))
