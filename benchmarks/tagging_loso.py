"""Leave-one-set-out: how well the beat's tunable numbers carry to a set they were not tuned on.

The development sets are the real excerpts ``tagging`` and ``tagging-2``, the project's own
snippets (``tests/data/tagging_eval.jsonl``, border rows left out) and the labelled TUT.BY feed.
The relevance knobs are the distance within which Russia must stand by the Belarusian side
(the ``NEAR/n`` of the relevance ``require``) and the relevance threshold; the primary knob is
the margin by which the primary subtopic must lead (primary-labelled sets only). For each set
left out, the knobs that maximise the mean F1 (relevance) or the mean precision x coverage
(primary) on the other sets are chosen (ties: the configured value, then the smaller), and the
left-out set is scored with them. Also printed: the configured knobs' score per set, and the
*suspect* rules: those that hold on exactly one development excerpt (a rule written for one
item rather than for the language). One JSON line.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tagging_realdata import (  # next to this file
    EXCERPT_SETS,
    excerpt_rows,
    primary_labels,
    score,
    tutby_rows,
)

from processing.primary import MIN_STRENGTH, PRIMARY_MARGIN, choose_primary
from processing.tagging import Tagger
from scrapers.seedfiles import load_seed_dir

REPO = Path(__file__).resolve().parent.parent
TOPICS = REPO / "config" / "topics.toml"
OWN_SET = REPO / "tests" / "data" / "tagging_eval.jsonl"
REALDATA = Path(os.environ.get("NEWSMON_REALDATA") or REPO.parent / "shared" / "realdata")
TUTBY = "tutby_news_all_2019-12-30.xml"
DISTANCES = (10, 15, 20, 25, 30)
THRESHOLDS = (1.5, 2.0, 2.5, 3.0)
MARGINS = (1.0, 1.1, 1.2, 1.3, 1.5, 2.0)
_RELATION = re.compile(r"NEAR/(\d+) \(russia OR putin OR russian_actors\)")
_RELEVANCE_THRESHOLD = re.compile(r'(slug = "belarus-russia"\n[^\[]*?threshold = )([\d.]+)')


def variant(toml_text: str, distance: int, threshold: float) -> str:
    """The taxonomy with another relation distance and relevance threshold."""
    text, found = _RELATION.subn(f"NEAR/{distance} (russia OR putin OR russian_actors)", toml_text)
    text, found_threshold = _RELEVANCE_THRESHOLD.subn(rf"\g<1>{threshold}", text)
    if not found or not found_threshold:
        raise SystemExit("topics.toml no longer has the relation distance or threshold knobs")
    return text


def configured(toml_text: str) -> tuple[int, float]:
    """The relation distance and relevance threshold as configured."""
    distance = _RELATION.search(toml_text)
    threshold = _RELEVANCE_THRESHOLD.search(toml_text)
    assert distance is not None and threshold is not None
    return int(distance.group(1)), float(threshold.group(2))


def relevance_sets(realdata: Path) -> dict[str, list[dict[str, Any]]]:
    """Every development set as rows with ``label`` POS / NEG / BORDER and ``text``."""
    sets = {name: excerpt_rows(realdata / name) for name in EXCERPT_SETS}
    own = [json.loads(line) for line in OWN_SET.read_text(encoding="utf-8").splitlines() if line]
    sets["own"] = [
        {
            "id": r["id"],
            "text": r["text"],
            "label": "BORDER" if r.get("border") else ("POS" if r["relevant"] else "NEG"),
        }
        for r in own
    ]
    sets["tutby"] = tutby_rows(realdata / "feeds" / TUTBY)
    return sets


def f1(report: dict[str, Any]) -> float:
    p, r = report["precision"], report["recall"]
    return 2 * p * r / (p + r) if p + r else 0.0


def pick(candidates: list[Any], default: Any, value: Callable[[Any], float]) -> tuple[Any, float]:
    """The best candidate by ``value`` (ties: the default, then the first listed)."""
    ranked = sorted(candidates, key=lambda c: (-round(value(c), 6), c != default))
    return ranked[0], value(ranked[0])


def main() -> None:
    toml_text = TOPICS.read_text(encoding="utf-8")
    seeds = [f"{s.title}\n{s.text}" for s in load_seed_dir(REPO / "seeds").articles]
    sets = relevance_sets(REALDATA)
    default = configured(toml_text)
    grid = [(d, t) for d in DISTANCES for t in THRESHOLDS]
    scores: dict[tuple[int, float], dict[str, dict[str, Any]]] = {}
    for knobs in grid:
        tagger = Tagger.from_toml(variant(toml_text, *knobs), seeds)
        scores[knobs] = {name: score(tagger, rows) for name, rows in sets.items()}
    report: dict[str, Any] = {"benchmark": "tagging_loso", "configured": list(default)}
    report["relevance_configured"] = {
        name: {k: scores[default][name][k] for k in ("precision", "recall")} for name in sets
    }
    loso: dict[str, Any] = {}
    for left_out in sets:
        others = [name for name in sets if name != left_out]

        def mean_f1(knobs: tuple[int, float], others: list[str] = others) -> float:
            return sum(f1(scores[knobs][n]) for n in others) / len(others)

        best, _ = pick(grid, default, mean_f1)
        held = scores[best][left_out]
        loso[left_out] = {
            "knobs": list(best),
            "precision": held["precision"],
            "recall": held["recall"],
        }
    report["relevance_leave_one_out"] = loso

    tagger = Tagger.from_toml(toml_text, seeds)
    labels = primary_labels()
    strengths: dict[str, list[tuple[dict[str, float], str]]] = {n: [] for n in EXCERPT_SETS}
    fired: Counter[tuple[str, int]] = Counter()
    for name in EXCERPT_SETS:
        for row in excerpt_rows(REALDATA / name):
            result = tagger.tag(row["text"])
            fired.update({(slug, number) for slug, number, _ in result.fired})
            gold = labels.get((name, row["file"]))
            if gold is not None:
                topics = {t.slug: t.score for t in result.topics[1:]}
                strengths[name].append((topics, gold))

    def primary_quality(name: str, margin: float) -> dict[str, float]:
        right = wrong = 0
        for topics, gold in strengths[name]:
            chosen = choose_primary(topics, margin, MIN_STRENGTH)
            right += chosen == gold
            wrong += chosen is not None and chosen != gold
        n = len(strengths[name])
        return {
            "precision": round(right / (right + wrong), 4) if right + wrong else 1.0,
            "coverage": round((right + wrong) / n, 4) if n else 1.0,
        }

    report["primary_configured"] = {
        name: primary_quality(name, PRIMARY_MARGIN) for name in EXCERPT_SETS
    }
    primary_loso: dict[str, Any] = {}
    for left_out in EXCERPT_SETS:
        others = [name for name in EXCERPT_SETS if name != left_out]

        def value(margin: float, others: list[str] = others) -> float:
            qualities = [primary_quality(n, margin) for n in others]
            return sum(q["precision"] * q["coverage"] for q in qualities) / len(qualities)

        best_margin, _ = pick(list(MARGINS), PRIMARY_MARGIN, value)
        primary_loso[left_out] = {"margin": best_margin} | primary_quality(left_out, best_margin)
    report["primary_leave_one_out"] = primary_loso
    report["suspect_rules"] = [
        f"{slug}#{number + 1}: {rule_text(tagger, slug, number)}"
        for (slug, number), count in sorted(fired.items())
        if count == 1
    ]
    print(json.dumps(report, ensure_ascii=False))


def rule_text(tagger: Tagger, slug: str, number: int) -> str:
    topic = next(t for t in tagger.taxonomy.topics if t.slug == slug)
    return topic.rules[number].text


if __name__ == "__main__":
    main()
