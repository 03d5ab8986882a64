"""Relevance on real third-party texts: the labelled excerpts of ``realdata/tagging`` and
``realdata/tagging-2`` and the TUT.BY feed of 30 December 2019 (labels of our own in
``tests/data``), and the primary subtopic of the excerpts' positives
(``tests/data/tagging_primary.tsv``).

The excerpts are split per label by a fixed hash of the file name (sorted by SHA-256, every
other one) into ``dev`` and ``heldout``; since issue 27 both sets as a whole were tuned on, and
``tagging_loso.py`` gives the honest figure (tune on all sets but one, score the one left out).
``BORDER`` texts are left out of precision and recall; how many of them the tagger keeps is
reported on its own. A bracketed first line (``[kop uit URL] …``) is a marker, not a headline,
and is dropped as the material's README says.
"""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path
from typing import Any

import feedparser

from processing.tagging import Tagger

REPO = Path(__file__).resolve().parent.parent
TUTBY_LABELS = REPO / "tests" / "data" / "tutby_relations_2019-12-30.tsv"
PRIMARY_LABELS = REPO / "tests" / "data" / "tagging_primary.tsv"
EXCERPT_SETS = ("tagging", "tagging-2")
_TAG = re.compile(r"<[^>]+>")


def _hash(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def excerpt_rows(root: Path) -> list[dict[str, Any]]:
    """The labelled excerpts under ``root`` (``labels.tsv`` + ``texts/``), with their split."""
    with (root / "labels.tsv").open(encoding="utf-8", newline="") as handle:
        labels = list(csv.DictReader(handle, delimiter="\t"))
    rows: list[dict[str, Any]] = []
    for label in sorted({row["label"] for row in labels}):
        same = sorted((r for r in labels if r["label"] == label), key=lambda r: _hash(r["file"]))
        for i, row in enumerate(same):
            rows.append(
                {
                    "id": Path(row["file"]).stem,
                    "split": "dev" if i % 2 == 0 else "heldout",
                    "label": label,
                    "file": row["file"],
                    "lang": row["lang"],
                    "text": excerpt_text(root / row["file"]),
                }
            )
    return sorted(rows, key=lambda r: r["id"])


def excerpt_text(path: Path) -> str:
    """The excerpt as the tagger should see it: a bracketed marker line dropped."""
    text = path.read_text(encoding="utf-8")
    first, newline, rest = text.partition("\n")
    return rest.lstrip("\n") if newline and first.startswith("[") else text


def primary_labels(labels: Path = PRIMARY_LABELS) -> dict[tuple[str, str], str]:
    """``(set, file)`` → the hand-labelled primary subtopic of a development positive."""
    found: dict[tuple[str, str], str] = {}
    for line in labels.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and not line.startswith("set\t"):
            name, file, primary, _reason = line.split("\t")
            found[(name, file)] = primary
    return found


def score_primary(tagger: Tagger, root: Path, labels: dict[tuple[str, str], str]) -> dict[str, Any]:
    """Primary-subtopic precision over the labelled positives of the excerpt set ``root``:
    right / (right + wrong); an article with no primary is counted apart (``abstained``)."""
    right = wrong = abstained = 0
    errors: list[str] = []
    for (name, file), gold in sorted(labels.items()):
        if name != root.name:
            continue
        primary = tagger.tag(excerpt_text(root / file)).primary
        if primary is None:
            abstained += 1
            errors.append(f"{Path(file).stem}:none/{gold}")
        elif primary == gold:
            right += 1
        else:
            wrong += 1
            errors.append(f"{Path(file).stem}:{primary}/{gold}")
    return {
        "n": right + wrong + abstained,
        "precision": round(right / (right + wrong), 4) if right + wrong else 1.0,
        "coverage": round((right + wrong) / (right + wrong + abstained), 4)
        if right + wrong + abstained
        else 1.0,
        "errors": errors,
    }


def tutby_rows(feed: Path, labels: Path = TUTBY_LABELS) -> list[dict[str, Any]]:
    """The feed's items as title + summary text, each with our label (matched by guid)."""
    by_guid: dict[str, str] = {}
    for line in labels.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and not line.startswith("guid\t"):
            guid, label = line.split("\t")
            by_guid[guid] = label
    rows: list[dict[str, Any]] = []
    for entry in feedparser.parse(str(feed)).entries:
        summary = _TAG.sub(" ", entry.get("summary", ""))
        rows.append(
            {
                "id": entry.id,
                "split": "tutby",
                "label": by_guid[entry.id],
                "text": f"{entry.title}\n{summary}",
            }
        )
    return rows


def score(tagger: Tagger, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Relevance precision and recall over the POS/NEG rows; BORDER kept counted apart."""
    tp = fp = fn = border_kept = 0
    errors: list[str] = []
    for row in rows:
        relevant = tagger.tag(row["text"]).relevant
        if row["label"] == "BORDER":
            border_kept += relevant
            continue
        gold = row["label"] == "POS"
        tp += relevant and gold
        fp += relevant and not gold
        fn += gold and not relevant
        if relevant != gold:
            errors.append(row["id"])
    return {
        "n": sum(r["label"] != "BORDER" for r in rows),
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
        "border": sum(r["label"] == "BORDER" for r in rows),
        "border_relevant": border_kept,
        "errors": errors,
    }
