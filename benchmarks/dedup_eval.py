"""Near-duplicate accuracy on the labelled pairs in ``tests/data/dedup_pairs.jsonl``.

Each pair's first text is indexed, the second queried through the same LSH + Jaccard path the
store uses. Prints one JSON line: precision, recall and F1 at the configured threshold, the
F1 of a threshold sweep (how the threshold was chosen), and the lowest duplicate / highest
non-duplicate Jaccard estimates (the margin).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from processing.dedup import JACCARD_THRESHOLD, NearDupIndex, signature

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "dedup_pairs.jsonl"


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def main() -> None:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    scored: list[tuple[bool, float, bool]] = []  # gold, jaccard estimate, found by LSH
    for row in rows:
        sig_a, sig_b = signature(row["a"]), signature(row["b"])
        if sig_a is None or sig_b is None:
            scored.append((row["duplicate"], 0.0, False))
            continue
        index = NearDupIndex(threshold=0.0)
        index.add(1, sig_a)
        found = bool(index.query(sig_b))
        scored.append((row["duplicate"], float(sig_a.jaccard(sig_b)), found))

    def at(threshold: float) -> dict[str, float]:
        tp = sum(g and found and j >= threshold for g, j, found in scored)
        fp = sum((not g) and found and j >= threshold for g, j, found in scored)
        fn = sum(g and not (found and j >= threshold) for g, j, found in scored)
        return _prf(tp, fp, fn)

    sweep = {f"{t:.2f}": at(t)["f1"] for t in (0.2, 0.3, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8)}
    report: dict[str, Any] = {
        "benchmark": "dedup_eval",
        "pairs": len(rows),
        "duplicates": sum(r["duplicate"] for r in rows),
        "threshold": JACCARD_THRESHOLD,
        **at(JACCARD_THRESHOLD),
        "min_duplicate_jaccard": round(min(j for g, j, _ in scored if g), 3),
        "max_distinct_jaccard": round(max(j for g, j, _ in scored if not g), 3),
        "f1_by_threshold": sweep,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
