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
from datasketch import MinHash
from datasketch.lsh import _optimal_param
from datasketch.minhash import _fmix

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
_SCHEME_WIDTH = 32  # bits of a hash value in SCHEME (the width of datasketch's pre-mix)


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
    _update(minhash, shingle_hashes(words))
    return minhash


def _update(minhash: MinHash, hashes: np.ndarray) -> None:
    """``minhash.update_batch(hashes.tolist())`` for our identity ``hashfunc``, without a
    Python call and a Python int per shingle: the same arithmetic as datasketch's CPU path
    (32-bit values, its pre-mix, ``a * h + b`` wrapping, column minimum);
    tests/test_dedup_update.py checks it against ``update_batch``."""
    if len(hashes) == 0:
        return
    a, b = minhash.permutations
    mixed = _fmix(hashes.astype(np.uint32).reshape(-1, 1), _SCHEME_WIDTH)
    minhash.hashvalues = np.minimum(minhash.hashvalues, (mixed * a + b).min(axis=0))


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

    Banding as in datasketch's MinHashLSH (``b`` bands of ``r`` rows, chosen by its optimiser
    for ``lsh_threshold``), but each band is one slice of the signature's bytes hashed to a
    Python int, and a bucket holds a bare key until a second one arrives. MinHashLSH's
    per-band numpy calls and set-per-bucket storage cost twice the time and about 1.3 GB at
    100,000 documents (benchmarks/dedup_scale.py); this keeps both well inside the goals.
    """

    def __init__(
        self,
        threshold: float = JACCARD_THRESHOLD,
        lsh_threshold: float = LSH_THRESHOLD,
        num_perm: int = NUM_PERM,
    ) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self.bands, self.rows = _optimal_param(lsh_threshold, num_perm, 0.5, 0.5)
        self._buckets: list[dict[int, int | list[int]]] = [{} for _ in range(self.bands)]
        self._signatures: dict[int, MinHash] = {}
        self._seen_at: dict[int, datetime | None] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, key: int) -> bool:
        return key in self._signatures

    def _band_keys(self, minhash: MinHash) -> list[int]:
        raw = np.asarray(minhash.hashvalues[: self.bands * self.rows], dtype="<u8").tobytes()
        step = self.rows * 8
        return [hash(raw[i : i + step]) for i in range(0, self.bands * step, step)]

    def add(self, key: int, minhash: MinHash, seen_at: datetime | None = None) -> None:
        """Index ``minhash`` under ``key`` (replacing an older signature of the same key)."""
        if key in self._signatures:
            self.remove(key)
        for bucket, band_key in zip(self._buckets, self._band_keys(minhash), strict=True):
            found = bucket.get(band_key)
            if found is None:
                bucket[band_key] = key
            elif isinstance(found, list):
                found.append(key)
            else:
                bucket[band_key] = [found, key]
        self._signatures[key] = minhash
        self._seen_at[key] = seen_at

    def remove(self, key: int) -> None:
        """Forget ``key`` (no error when it is not indexed)."""
        minhash = self._signatures.pop(key, None)
        if minhash is None:
            return
        del self._seen_at[key]
        for bucket, band_key in zip(self._buckets, self._band_keys(minhash), strict=True):
            found = bucket.get(band_key)
            if found == key:
                del bucket[band_key]
            elif isinstance(found, list) and key in found:
                found.remove(key)
                if len(found) == 1:
                    bucket[band_key] = found[0]

    def evict_before(self, cutoff: datetime) -> int:
        """Drop signatures seen before ``cutoff`` (the rolling window); returns how many."""
        old = [k for k, t in self._seen_at.items() if t is not None and t < cutoff]
        for key in old:
            self.remove(key)
        return len(old)

    def candidates(self, minhash: MinHash) -> set[int]:
        """Keys sharing at least one band with ``minhash`` (before Jaccard confirmation)."""
        found: set[int] = set()
        for bucket, band_key in zip(self._buckets, self._band_keys(minhash), strict=True):
            hit = bucket.get(band_key)
            if hit is None:
                continue
            if isinstance(hit, list):
                found.update(hit)
            else:
                found.add(hit)
        return found

    def query(self, minhash: MinHash, exclude: Iterable[int] = ()) -> list[NearDuplicate]:
        """Indexed keys whose estimated Jaccard with ``minhash`` reaches the threshold,
        best first (ties: lowest key, i.e. the earliest stored)."""
        keys = list(self.candidates(minhash) - set(exclude))
        if not keys:
            return []
        # MinHash.jaccard per candidate, for all of them in one numpy comparison (a story's
        # articles share bands, so a query often has dozens of candidates).
        stacked = np.stack([self._signatures[key].hashvalues for key in keys])
        agreeing = np.count_nonzero(stacked == minhash.hashvalues, axis=1).tolist()
        size = float(len(minhash.hashvalues))
        found = [
            NearDuplicate(key, float(count) / size)
            for key, count in zip(keys, agreeing, strict=True)
            if float(count) / size >= self.threshold
        ]
        found.sort(key=lambda d: (-d.jaccard, d.key))
        return found
