"""Near-duplicate detection at scale: 100,000 synthetic documents, 10 % near-duplicates.

Documents are random word sequences over a Zipf-distributed vocabulary (80–200 words); each
near-duplicate copies an earlier document and applies wire-desk edits (a few words replaced,
a sentence dropped, a sentence added). Every document goes through the store's path: signature,
LSH query, Jaccard confirmation, insert. Prints one JSON line: wall time, CPU time of this
process (less at the mercy of other jobs on the machine), peak RSS, precision and recall.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time

from processing.dedup import NearDupIndex, signature


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = "abcdefghijklmnoprstuvwz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(size)]


def _edit(rng: random.Random, words: list[str], vocab: list[str]) -> list[str]:
    out = list(words)
    for _ in range(max(1, len(out) // 30)):  # ~3 % of words replaced
        out[rng.randrange(len(out))] = rng.choice(vocab)
    cut = rng.randrange(len(out) - 12)
    del out[cut : cut + rng.randint(4, 10)]  # a sentence dropped
    out.extend(rng.choices(vocab, k=rng.randint(5, 15)))  # a sentence added
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--dup-rate", type=float, default=0.10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    vocab = _vocabulary(rng, 20_000)
    weights = [1.0 / (rank + 1) for rank in range(len(vocab))]
    docs: list[str] = []
    original_of: dict[int, int] = {}  # near-duplicate index -> the document it copies
    for i in range(args.docs):
        if docs and rng.random() < args.dup_rate:
            source = rng.randrange(len(docs))
            original_of[i] = original_of.get(source, source)
            docs.append(" ".join(_edit(rng, docs[source].split(), vocab)))
        else:
            docs.append(" ".join(rng.choices(vocab, weights=weights, k=rng.randint(80, 200))))

    start, start_cpu = time.perf_counter(), time.process_time()
    index = NearDupIndex()
    tp = fp = fn = 0
    for i, text in enumerate(docs):
        minhash = signature(text)
        if minhash is None:
            continue
        hits = index.query(minhash)
        if hits:
            truth = original_of.get(i)
            predicted_root = original_of.get(hits[0].key, hits[0].key)
            if truth is not None and predicted_root == truth:
                tp += 1
            else:
                fp += 1
                if truth is not None:
                    fn += 1
        elif i in original_of:
            fn += 1
        index.add(i, minhash)
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(
        json.dumps(
            {
                "benchmark": "dedup_scale",
                "docs": len(docs),
                "near_duplicates": len(original_of),
                "wall_seconds": round(wall, 2),
                "cpu_seconds": round(cpu, 2),
                "peak_rss_mib": round(peak_kib / 1024, 1),
                "precision": round(precision, 4),
                "recall": round(recall, 4),
                "f1": round(2 * precision * recall / (precision + recall), 4)
                if precision + recall
                else 0.0,
                "python": sys.version.split()[0],
            }
        )
    )


if __name__ == "__main__":
    main()
