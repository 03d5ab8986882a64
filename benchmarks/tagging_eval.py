"""Tagging accuracy on the hand-labelled snippets in ``tests/data/tagging_eval.jsonl``.

Prints one JSON line: relevance precision/recall/F1 and subtopic micro-averaged
precision/recall/F1, for the ``dev`` part (used while writing the rules), the ``heldout`` part
(never looked at while tuning) and all together, plus whether every seed is tagged relevant;
snippets marked ``border`` (Belarus without Russia as a party: off the beat since issue 27) are
counted apart. When ``../shared/realdata`` is present also relevance and primary-subtopic
precision on each real development set (``tagging``, ``tagging-2``) and relevance on the
labelled TUT.BY feed (see ``tagging_realdata.py``; the leave-one-set-out figure is
``tagging_loso.py``). ``--errors`` lists the misclassified snippets on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tagging_realdata import (  # next to this file
    EXCERPT_SETS,
    excerpt_rows,
    primary_labels,
    score,
    score_primary,
    tutby_rows,
)

from processing.tagging import Tagger
from scrapers.seedfiles import load_seed_dir

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "tagging_eval.jsonl"
REALDATA = Path(os.environ.get("NEWSMON_REALDATA") or REPO.parent / "shared" / "realdata")


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def evaluate(tagger: Tagger, rows: list[dict[str, Any]], errors: bool) -> dict[str, Any]:
    """Relevance and subtopic scores over ``rows`` (``border`` rows counted apart)."""
    rel = {"tp": 0, "fp": 0, "fn": 0}
    sub = {"tp": 0, "fp": 0, "fn": 0}
    border = border_relevant = 0
    for row in rows:
        result = tagger.tag(row["text"])
        if row.get("border"):
            border += 1
            border_relevant += result.relevant
            continue
        gold = set(row["topics"])
        got = {t.slug for t in result.topics} - {tagger.taxonomy.relevance_topic}
        if result.relevant and row["relevant"]:
            rel["tp"] += 1
        elif result.relevant:
            rel["fp"] += 1
        elif row["relevant"]:
            rel["fn"] += 1
        sub["tp"] += len(gold & got)
        sub["fp"] += len(got - gold)
        sub["fn"] += len(gold - got)
        if errors and row["split"] == "dev" and (result.relevant != row["relevant"] or gold != got):
            print(
                f"{row['id']} {row['split']} rel={result.relevant}/{row['relevant']} "
                f"score={result.score:.2f} extra={sorted(got - gold)} "
                f"missing={sorted(gold - got)} :: {row['text'][:70]!r}",
                file=sys.stderr,
            )
    return {
        "n": len(rows) - border,
        "relevance": _prf(rel["tp"], rel["fp"], rel["fn"]),
        "subtopics_micro": _prf(sub["tp"], sub["fp"], sub["fn"]),
        "border": border,
        "border_relevant": border_relevant,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", action="store_true", help="List mistakes on stderr.")
    parser.add_argument("--realdata", default=str(REALDATA), help="The shared real material.")
    args = parser.parse_args()
    seeds = load_seed_dir(REPO / "seeds").articles
    tagger = Tagger.from_toml(
        (REPO / "config" / "topics.toml").read_text(encoding="utf-8"),
        [f"{s.title}\n{s.text}" for s in seeds],
    )
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    report: dict[str, Any] = {"benchmark": "tagging_eval"}
    for split in ("dev", "heldout"):
        report[split] = evaluate(tagger, [r for r in rows if r["split"] == split], args.errors)
    report["all"] = evaluate(tagger, rows, False)
    seed_results = [tagger.tag(f"{s.title}\n{s.text}") for s in seeds]
    report["seeds_relevant"] = sum(r.relevant for r in seed_results)
    report["seeds_total"] = len(seeds)
    realdata = Path(args.realdata)
    labels = primary_labels()
    for name in EXCERPT_SETS:
        if (realdata / name / "labels.tsv").is_file():
            report[f"real_{name}"] = score(tagger, excerpt_rows(realdata / name))
            report[f"primary_{name}"] = score_primary(tagger, realdata / name, labels)
    feed = realdata / "feeds" / "tutby_news_all_2019-12-30.xml"
    if feed.is_file():
        report["tutby"] = score(tagger, tutby_rows(feed))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
