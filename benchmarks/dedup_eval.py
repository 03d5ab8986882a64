"""Near-duplicate accuracy on the labelled pairs in ``tests/data/dedup_pairs.jsonl``, and
story clustering on the seeds, ``tests/data/story_pairs.jsonl`` and the tagging snippets.

Each pair's first text is indexed, the second queried through the same LSH + Jaccard path the
store uses. Prints one JSON line: precision, recall and F1 at the configured threshold, the
F1 of a threshold sweep (how the threshold was chosen), and the lowest duplicate / highest
non-duplicate Jaccard estimates (the margin). Under ``stories``: whether the seeds cluster as
required (file order, and how many of the 120 arrival orders), how many of the 130 snippets
(distinct events, undated, so all "concurrent": a worst case) wrongly join another snippet's
story, and how many same-event paraphrase pairs end up together.
"""

from __future__ import annotations

import json
from itertools import permutations
from pathlib import Path
from typing import Any

from processing.dedup import JACCARD_THRESHOLD, NearDupIndex, signature
from processing.stories import StoryClusterer, cosine, date_interval, lead_words, story_vector
from processing.temporal import month_hint
from scrapers.seedfiles import load_seed_dir

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "dedup_pairs.jsonl"
STORY_PAIRS = REPO / "tests" / "data" / "story_pairs.jsonl"
SNIPPETS = REPO / "tests" / "data" / "tagging_eval.jsonl"


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def story_report() -> dict[str, Any]:
    """Story clustering measured on the seeds, paraphrase pairs and distinct snippets."""
    seeds = load_seed_dir(REPO / "seeds").articles

    def seeds_ok(order: tuple[int, ...]) -> bool:
        clusterer, story_of = StoryClusterer(), {}
        for i in order:
            text = f"{seeds[i].title}\n{seeds[i].text}"
            vector = story_vector(text)
            interval = date_interval(seeds[i].published_at, seeds[i].date_precision)
            hint = month_hint(text) if interval is None else None
            found = clusterer.match(vector, interval, hint, lead_words(text)).story_id
            story_of[i] = found if found is not None else 100 + i
            clusterer.add(story_of[i], vector, interval, hint)
        return (
            story_of[0] == story_of[1] == story_of[2]
            and len({story_of[0], story_of[3], story_of[4]}) == 3
        )

    clusterer, false_merges = StoryClusterer(), 0
    snippets = [r["text"] for r in _jsonl(SNIPPETS)]
    for i, text in enumerate(snippets):
        vector = story_vector(text)
        found = clusterer.match(vector, None, None, lead_words(text)).story_id
        false_merges += found is not None
        clusterer.add(found if found is not None else i, vector, None)
    pairs = _jsonl(STORY_PAIRS)
    together = sum(
        cosine(story_vector(p["a"]), story_vector(p["b"]))
        >= clusterer.threshold_for(min(lead_words(p["a"]), lead_words(p["b"])))
        for p in pairs
    )
    return {
        "seeds_ok_file_order": seeds_ok((0, 1, 2, 3, 4)),
        "seeds_ok_orders": sum(seeds_ok(o) for o in permutations(range(5))),
        "snippets": len(snippets),
        "snippet_false_merges": false_merges,
        "pairs": len(pairs),
        "pairs_together": together,
    }


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
        "stories": story_report(),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
