"""Near-duplicate detection: MinHash over word shingles, LSH for candidates, Jaccard to confirm.

Exact duplicates are caught earlier by :func:`processing.normalize.text_hash`. Here a wire copy
with light edits, a changed headline or an added paragraph must still be recognised, while two
different articles about the same event must not. Signatures serialise to bytes so the database
keeps them and a new process loads instead of recomputing them.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import numpy as np
from datasketch import MinHash, MinHashLSH

from processing.normalize import hash_words

NUM_PERM = 128
SHINGLE_WORDS = 3
# Below this many words a text is too short for a meaningful signature (exact hash only).
MIN_WORDS = 20
# LSH recall threshold (candidates) and the Jaccard estimate that confirms a near-duplicate;
# chosen on tests/data/dedup_pairs.jsonl with benchmarks/dedup_eval.py: duplicates have a
# true shingle Jaccard >= 0.50 (estimates >= 0.48), distinct same-topic pairs <= 0.16
# (estimates <= 0.23), so 0.40 sits in the gap (see README).
LSH_THRESHOLD = 0.3
JACCARD_THRESHOLD = 0.4
# datasketch's hashing scheme; stored signatures are only comparable within one scheme.
SCHEME = "affine32"


def _hash32(value: int) -> int:
    """Shingle hashes are computed up front (:func:`shingle_hashes`); MinHash takes them as is."""
    return value


def shingle_hashes(words: list[str], size: int = SHINGLE_WORDS) -> np.ndarray:
    """Stable 32-bit hashes of the word ``size``-grams (one per position; repeats are harmless).

    Each word is hashed once with CRC-32 (stable across processes, unlike ``hash()``), and
    the hashes of consecutive words are mixed with numpy: five times faster than hashing
    every joined shingle string, which matters at 100,000 documents.
    """
    if not words:
        return np.zeros(0, dtype=np.uint64)
    crcs = map(zlib.crc32, map(str.encode, words))  # C-level maps, no generator frames
    word_hashes = np.fromiter(crcs, dtype=np.uint64, count=len(words))
    if len(words) < size:
        grams = [word_hashes]
    else:
        grams = [word_hashes[i : len(words) - size + 1 + i] for i in range(size)]
    mixed = np.zeros(len(grams[0]), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for part in grams:  # FNV-style: multiply, then fold in the next word
            mixed = (mixed * np.uint64(0x100000001B3)) ^ part
        mixed ^= mixed >> np.uint64(29)
    return mixed & np.uint64(0xFFFFFFFF)


def signature(text: str, num_perm: int = NUM_PERM) -> MinHash | None:
    """The MinHash of ``text``, or None when it has fewer than :data:`MIN_WORDS` words."""
    return _signature_of_words(hash_words(text), num_perm)


def hash_and_signature(text: str) -> tuple[str, MinHash | None]:
    """``(text_hash(text), signature(text))`` folding and splitting the text once, not twice."""
    words = hash_words(text)
    digest = hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()
    return digest, _signature_of_words(words, NUM_PERM)


def _signature_of_words(words: list[str], num_perm: int) -> MinHash | None:
    if len(words) < MIN_WORDS:
        return None
    minhash = MinHash(
        num_perm=num_perm,
        hashfunc=_hash32,
        permutations=_permutations(num_perm),
        scheme=SCHEME,
    )
    minhash.update_batch(shingle_hashes(words).tolist())
    return minhash


@lru_cache(maxsize=4)
def _permutations(num_perm: int) -> np.ndarray:
    """datasketch's permutations for seed 1, computed once (they cost more than hashing), as
    the ``(2, num_perm)`` array MinHash shares instead of converting and copying."""
    template = MinHash(num_perm=num_perm, hashfunc=_hash32, scheme=SCHEME)
    return np.asarray(template.permutations)


def signature_to_bytes(minhash: MinHash) -> bytes:
    """Little-endian uint64 hash values (1 KiB at 128 permutations)."""
    return np.asarray(minhash.hashvalues, dtype="<u8").tobytes()


def signature_from_bytes(data: bytes) -> MinHash:
    """Rebuild a signature stored by :func:`signature_to_bytes` (same seed, same perms)."""
    values = np.frombuffer(data, dtype="<u8").astype(np.uint64)
    return MinHash(
        num_perm=len(values),
        hashvalues=values,
        hashfunc=_hash32,
        permutations=_permutations(len(values)),
        scheme=SCHEME,
    )


@dataclass(slots=True, frozen=True)
class NearDuplicate:
    """A stored article that a new text nearly duplicates, with the estimated Jaccard."""

    key: int
    jaccard: float


class NearDupIndex:
    """An in-memory LSH index over a rolling window of signatures (keys are article ids).

    datasketch's :class:`MinHashLSH` does the banding (``b`` bands of ``r`` rows, chosen by its
    optimiser for ``lsh_threshold``) and finds the candidates; this class keeps each key's
    signature and first-seen time, so candidates are confirmed by their Jaccard estimate and
    the window can be evicted.
    """

    def __init__(
        self,
        threshold: float = JACCARD_THRESHOLD,
        lsh_threshold: float = LSH_THRESHOLD,
        num_perm: int = NUM_PERM,
    ) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self._lsh = MinHashLSH(threshold=lsh_threshold, num_perm=num_perm)
        self.bands, self.rows = self._lsh.b, self._lsh.r
        self._hashvalues: dict[int, np.ndarray] = {}
        self._seen_at: dict[int, datetime | None] = {}

    def __len__(self) -> int:
        return len(self._hashvalues)

    def __contains__(self, key: int) -> bool:
        return key in self._hashvalues

    def add(self, key: int, minhash: MinHash, seen_at: datetime | None = None) -> None:
        """Index ``minhash`` under ``key`` (replacing an older signature of the same key)."""
        self.remove(key)
        self._lsh.insert(key, minhash, check_duplication=False)
        self._hashvalues[key] = minhash.hashvalues
        self._seen_at[key] = seen_at

    def remove(self, key: int) -> None:
        """Forget ``key`` (no error when it is not indexed)."""
        if self._hashvalues.pop(key, None) is None:
            return
        del self._seen_at[key]
        self._lsh.remove(key)

    def evict_before(self, cutoff: datetime) -> int:
        """Drop signatures seen before ``cutoff`` (the rolling window); returns how many."""
        old = [k for k, t in self._seen_at.items() if t is not None and t < cutoff]
        for key in old:
            self.remove(key)
        return len(old)

    def candidates(self, minhash: MinHash) -> set[int]:
        """Keys sharing at least one band with ``minhash`` (before Jaccard confirmation)."""
        return set(self._lsh.query(minhash))

    def query(self, minhash: MinHash, exclude: Iterable[int] = ()) -> list[NearDuplicate]:
        """Indexed keys whose estimated Jaccard with ``minhash`` reaches the threshold,
        best first (ties: lowest key, i.e. the earliest stored)."""
        keys = list(self.candidates(minhash) - set(exclude))
        if not keys:
            return []
        # MinHash.jaccard for all candidates in one numpy comparison (a story's articles share
        # bands, so a query often has dozens of candidates).
        stacked = np.stack([self._hashvalues[key] for key in keys])
        agreeing = np.count_nonzero(stacked == minhash.hashvalues, axis=1).tolist()
        size = float(len(minhash.hashvalues))
        found = [
            NearDuplicate(key, float(count) / size)
            for key, count in zip(keys, agreeing, strict=True)
            if float(count) / size >= self.threshold
        ]
        found.sort(key=lambda d: (-d.jaccard, d.key))
        return found
