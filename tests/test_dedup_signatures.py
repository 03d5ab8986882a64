"""Signatures stay what the database already holds, and equal datasketch's plain MinHash.

``articles.minhash`` keeps signatures across releases, and a new process compares fresh ones
with them: a change of shingling, hashing or permutations would silently stop matching old
articles. So the signatures of the labelled texts are pinned (a digest computed before the
MinHash update moved to datasketch's public ``update_batch``), and the fast path of
``hash_words`` is checked against the regex normalisation it replaces.
"""

from __future__ import annotations

import hashlib
import json
import random

from datasketch import MinHash

from processing.dedup import (
    NUM_PERM,
    SCHEME,
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


#: sha256 over the stored bytes of every signature of tests/data/dedup_pairs.jsonl (a, then b,
#: per row; 190 signatures), as the code that wrote today's databases computed them.
STORED_DIGEST = "7a91d113fe3d5512eb2e9c210f7f133da301c71519557bb5ccdc85d1cd3449a9"


def labelled_texts() -> list[str]:
    rows = (REPO_ROOT / "tests" / "data" / "dedup_pairs.jsonl").read_text().splitlines()
    return [
        text for line in rows if line for text in (json.loads(line)["a"], json.loads(line)["b"])
    ]


def test_signatures_are_byte_for_byte_the_ones_already_stored() -> None:
    digest, count = hashlib.sha256(), 0
    for text in labelled_texts():
        minhash = signature(text)
        if minhash is not None:
            digest.update(signature_to_bytes(minhash))
            count += 1
    assert count == 190
    assert digest.hexdigest() == STORED_DIGEST


def test_signatures_equal_datasketch_on_texts() -> None:
    for text in texts():
        digest, minhash = hash_and_signature(text)
        assert digest == text_hash(text)
        words = _PUNCT_OR_SPACE.sub(" ", fold(text)).strip().split()
        if len(words) < 20:
            assert minhash is None and signature(text) is None
            continue
        theirs = MinHash(num_perm=NUM_PERM, hashfunc=int, scheme=SCHEME)
        theirs.update_batch(shingle_hashes(words).tolist())
        assert minhash is not None
        assert signature_to_bytes(minhash) == signature_to_bytes(theirs)
        assert signature_to_bytes(signature(text)) == signature_to_bytes(theirs)
