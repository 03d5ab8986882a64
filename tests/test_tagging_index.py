"""The word index behind fast tagging finds exactly what a full regex scan of a term set finds."""

from __future__ import annotations

import json
import random

import pytest

from pipeline.processor import DEFAULT_TOPICS_FILE
from processing.taxonomy import parse_taxonomy
from processing.textmatch import TermIndex, TermSet, fold_with_offsets
from scrapers.seedfiles import load_seed_dir
from tests.conftest import REPO_ROOT, SEEDS_DIR

TRICKY = [
    "",
    "   ",
    "Wit-Russisch, Wit Russisch en witrussisch; de Wit-Russische taal. Russische troepen.",
    "ŁUKASZENKO, Łukaszenko, Лукашенко и Путин: Союзное государство, союзного государства.",
    "Ｂｅｌａｒｕｓ en Ｒｕｓｌａｎｄ; Bela\u0301rus, Poe\u0308tin, Oekraïne, İstanbul, Straße.",
    "Minsk-akkoorden, akkoorden van Minsk, minsk agreement; de unie tussen Rusland en Belarus.",
    "legereenheid grensbewakingseenheden kernwapentest *kernwapens* militaire   basis",
    "russisch-wit-russische samenwerking, russisch-belarussisch, dinamo minsk, us open",
    "_belarus belarus_ 2belarus belarus2 -belarus- belarus-rusland rusland-belarus",
]


def corpus() -> list[str]:
    texts = list(TRICKY)
    texts += [f"{a.title}\n{a.text}" for a in load_seed_dir(SEEDS_DIR).articles]
    rows = (REPO_ROOT / "tests" / "data" / "tagging_eval.jsonl").read_text().splitlines()
    texts += [json.loads(line)["text"] for line in rows]
    words = " ".join(texts).split()
    rnd = random.Random(4)
    texts += [" ".join(rnd.choices(words, k=rnd.randint(3, 200))) for _ in range(100)]
    return texts


@pytest.fixture(scope="module")
def taxonomy_sets() -> tuple[TermIndex, list[TermSet]]:
    taxonomy = parse_taxonomy(DEFAULT_TOPICS_FILE.read_text(encoding="utf-8"))
    return taxonomy.index, list(taxonomy.groups.values())


def test_indexed_find_equals_full_scan(taxonomy_sets: tuple[TermIndex, list[TermSet]]) -> None:
    index, sets = taxonomy_sets
    compared = 0
    for text in corpus():
        folded = fold_with_offsets(text)
        expected = {s.name: s.scan(folded) for s in sets}
        index.prepare(folded)
        for term_set in sets:
            assert term_set.find(folded) == expected[term_set.name], (term_set.name, text)
            compared += len(expected[term_set.name])
    assert compared > 1000  # the corpus really exercises the terms


def test_unprepared_text_and_odd_terms_still_match() -> None:
    text = fold_with_offsets("de Wit-Russische taal, de Russische taal, -x- en x")
    guarded = TermSet("russia", ["russisch*"], not_after=["wit-", "wit "])
    assert [(h.start, h.end) for h in guarded.find(text)] == [(26, 35)]
    odd = TermSet("odd", ["-x-", "x"])  # starts with a non-word character: scanned in full
    assert odd.keys is None
    assert odd.find(text) == odd.scan(text)
    assert [(h.start, h.end) for h in odd.find(text)] == [(42, 45), (49, 50)]


def test_folding_keeps_offsets_for_mixed_text() -> None:
    original = "Oekraïne ﬁnale Ｍinsk"
    text = fold_with_offsets(original)
    assert text.folded == "oekraine finale minsk"
    assert text.words == ["oekraine", "finale", "minsk"]
    start, end = text.span(text.word_starts[2], len(text.folded))
    assert original[start:end] == "Ｍinsk"
    start, end = text.span(text.word_starts[1], text.word_starts[1] + 6)
    assert original[start:end] == "ﬁnale"
