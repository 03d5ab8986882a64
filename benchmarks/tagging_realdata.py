"""Relevance on real third-party texts: the labelled excerpts of ``realdata/tagging`` and the
TUT.BY feed of 30 December 2019 (labels of our own in ``tests/data``).

The excerpts are split per label by a fixed hash of the file name (sorted by SHA-256, every
other one): ``dev`` was read and tuned on, ``heldout`` was not. ``BORDER`` texts (Belarusian
domestic politics without a Russian angle) are left out of precision and recall; how many of
them the tagger keeps is reported on its own (the beat keeps them: README "Tuning the beat").
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
                    "lang": row["lang"],
                    "text": (root / row["file"]).read_text(encoding="utf-8"),
                }
            )
    return sorted(rows, key=lambda r: r["id"])


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
