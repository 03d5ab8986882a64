"""The fast paths of text hashing and MinHash give exactly what the plain ones give.

Stored signatures must stay comparable, so ``_update`` (our numpy version of datasketch's
``update_batch``) and the ASCII path of ``hash_words`` are checked against the straightforward
code they replace.
"""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from datasketch import MinHash

from processing.dedup import (
    NUM_PERM,
    SCHEME,
    _hash32,
    _permutations,
    _update,
    hash_and_signature,
    shingle_hashes,
    signature,
    signature_to_bytes,
)
from processing.normalize import _PUNCT_OR_SPACE, fold, hash_words, normalize_for_hash, text_hash
from tests.conftest import REPO_ROOT

SAMPLES = [
    "",
    "   ",
    "Rusland_en Belarus -- 12 troepen, (Minsk)! ‘Oekraïne’ “x” — €5 Straße ﬁnale Лукашенко",
    "tab\tnew\nline\r\nend\u00a0nbsp\u2009thin\u200b zero\ufeffwidth",
]


def texts() -> list[str]:
    rows = (REPO_ROOT / "tests" / "data" / "dedup_pairs.jsonl").read_text().splitlines()
    out = list(SAMPLES)
    for line in rows:
        row = json.loads(line)
        out += [row["a"], row["b"]]
    rng = random.Random(3)
    alphabet = list("abcXYZ019 _-.,;:!?'\"()\n\t") + list("ëïé’“—€ßﬁДж\u0301\u00a0")
    out += ["".join(rng.choices(alphabet, k=rng.randint(0, 400))) for _ in range(300)]
    return out


def test_hash_words_equal_the_regex_normalisation() -> None:
    for text in texts():
        expected = _PUNCT_OR_SPACE.sub(" ", fold(text)).strip()
        assert normalize_for_hash(text) == expected
        assert hash_words(text) == expected.split()


@pytest.mark.parametrize("size", [1, 2, 17, 600])
def test_update_equals_datasketch_update_batch(size: int) -> None:
    rng = np.random.default_rng(size)
    for _ in range(20):
        hashes = rng.integers(0, 1 << 32, size=size, dtype=np.uint64)
        ours = MinHash(
            num_perm=NUM_PERM, hashfunc=_hash32, permutations=_permutations(NUM_PERM), scheme=SCHEME
        )
        theirs = MinHash(num_perm=NUM_PERM, hashfunc=_hash32, scheme=SCHEME)
        _update(ours, hashes)
        theirs.update_batch(hashes.tolist())
        assert ours.hashvalues.dtype == theirs.hashvalues.dtype
        assert np.array_equal(ours.hashvalues, theirs.hashvalues)


def test_signatures_equal_datasketch_on_texts() -> None:
    for text in texts():
        digest, minhash = hash_and_signature(text)
        assert digest == text_hash(text)
        words = _PUNCT_OR_SPACE.sub(" ", fold(text)).strip().split()
        if len(words) < 20:
            assert minhash is None and signature(text) is None
            continue
        theirs = MinHash(num_perm=NUM_PERM, hashfunc=_hash32, scheme=SCHEME)
        theirs.update_batch(shingle_hashes(words).tolist())
        assert minhash is not None
        assert signature_to_bytes(minhash) == signature_to_bytes(theirs)
        assert signature_to_bytes(signature(text)) == signature_to_bytes(theirs)
