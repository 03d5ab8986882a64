"""Topic tagging: every topic, name variants, folding, compounds, proximity, evidence, bad input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.processor import DEFAULT_TOPICS_FILE, load_tagger
from processing.rules import RuleParser, RuleSyntaxError
from processing.tagging import Tagger, TagResult
from processing.taxonomy import TaxonomyError, parse_taxonomy
from processing.textmatch import TermSet, fold_with_offsets
from scrapers.seedfiles import load_seed_dir
from tests.conftest import SEEDS_DIR


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return load_tagger(DEFAULT_TOPICS_FILE, SEEDS_DIR)


def slugs(result: TagResult) -> set[str]:
    return {t.slug for t in result.topics}


# One clear example per subtopic; each must be relevant and carry its subtopic.
TOPIC_EXAMPLES = {
    "military-cooperation": "Rusland en Belarus houden een gezamenlijke militaire oefening. "
    "Russische troepen worden gelegerd bij Brest.",
    "nuclear-weapons": "Poetin: Russische kernwapens worden in Belarus gestationeerd.",
    "union-state": "Loekasjenko en Poetin bespreken de Uniestaat van Rusland en Belarus.",
    "repression-opposition": "In Minsk zijn tientallen demonstranten opgepakt. Oppositieleider "
    "Tichanovskaja spreekt van repressie door het regime van Loekasjenko, gesteund door Moskou.",
    "sanctions-economy": "De EU kondigt nieuwe sancties aan tegen Belarus vanwege de steun aan "
    "Rusland.",
    "leaders-diplomacy": "Loekasjenko ontmoet Poetin in Sotsji voor een gesprek over gas.",
    "war-in-ukraine": "Rusland vuurt raketten af op Oekraïne vanuit Belarus, meldt Kiev. "
    "De oorlog breidt uit naar het noorden.",
    "wagner-mercenaries": "Wagner-huurlingen van Prigozjin komen aan in Belarus, zegt Loekasjenko.",
    "migration-borders": "Honderden migranten vast aan de grens tussen Belarus en Polen; "
    "Warschau beschuldigt Minsk en Moskou.",
}


@pytest.mark.parametrize("slug", sorted(TOPIC_EXAMPLES))
def test_every_subtopic_has_a_matching_example(tagger: Tagger, slug: str) -> None:
    result = tagger.tag(TOPIC_EXAMPLES[slug])
    assert result.relevant
    assert slug in slugs(result)
    match = next(t for t in result.topics if t.slug == slug)
    assert match.evidence, slug


def test_every_configured_topic_is_covered_by_a_test(tagger: Tagger) -> None:
    configured = {t.slug for t in tagger.taxonomy.topics}
    assert configured == set(TOPIC_EXAMPLES) | {"belarus-russia"}


@pytest.mark.parametrize(
    "text",
    [
        "Loekasjenko praat met Poetin over de Uniestaat.",
        "Lukashenko talks to Putin about the Union State with Belarus.",
        "Лукашенко и Путин обсудили Союзное государство.",
        "Loeksjenko en Poetin spraken in Moskou.",
        "Loekasjenjo en Poetin spraken in Moskou.",
        "Loekasjenka zegt dat Wit-Rusland en Rusland samen oefenen.",
        "WIT-RUSLAND EN RUSLAND VERSTERKEN BANDEN, ZEGT HET KREMLIN.",
        "Witrussische militairen oefenen samen met Russische troepen.",
        "Беларусь и Россия проводят учения войск.",
    ],
)
def test_name_variants_and_scripts_are_relevant(tagger: Tagger, text: str) -> None:
    assert tagger.tag(text).relevant, text


def test_diacritics_and_case_fold() -> None:
    folded = fold_with_offsets("OEKRAÏNE en Oekraïne")
    terms = TermSet("u", ["oekrain*"])
    assert [folded.original[h.start : h.end] for h in terms.find(folded)] == [
        "OEKRAÏNE",
        "Oekraïne",
    ]


def test_dutch_compounds_match_by_prefix_and_head(tagger: Tagger) -> None:
    text = "Loekasjenko bevestigt: Russische atoomwapens en kernwapens in Belarus."
    result = tagger.tag(text)
    nuclear = next(t for t in result.topics if t.slug == "nuclear-weapons")
    assert {e["text"] for e in nuclear.evidence} >= {"atoomwapens", "kernwapens"}
    result = tagger.tag("Rusland en Belarus vormen een gezamenlijke legereenheid.")
    military = next(t for t in result.topics if t.slug == "military-cooperation")
    assert "legereenheid" in {e["text"] for e in military.evidence}


def test_wit_russisch_is_not_russian() -> None:
    terms = TermSet("russia", ["russisch*"], not_after=["wit-", "wit "])
    assert terms.find(fold_with_offsets("de Wit-Russische taal")) == []
    assert len(terms.find(fold_with_offsets("de Russische taal"))) == 1


def test_near_rule_respects_word_distance() -> None:
    groups = {"a": TermSet("a", ["belarus"]), "b": TermSet("b", ["rusland"])}
    rule = RuleParser(groups).parse("a NEAR/3 b")
    close = fold_with_offsets("Belarus en Rusland")
    far = fold_with_offsets("Belarus " + "woord " * 10 + "Rusland")
    assert rule(close, {}).ok
    assert not rule(far, {}).ok
    assert RuleParser(groups).parse("a AND b")(far, {}).ok
    assert not RuleParser(groups).parse("a AND NOT b")(far, {}).ok
    assert RuleParser(groups).parse('(a OR "nope") AND b')(far, {}).ok


def test_bad_rules_and_taxonomies_are_rejected_with_the_reason() -> None:
    with pytest.raises(RuleSyntaxError, match="ends too early"):
        RuleParser({}).parse('("a" OR "b"')
    with pytest.raises(RuleSyntaxError, match="operand expected"):
        RuleParser({}).parse('"a" AND OR "b"')
    with pytest.raises(TaxonomyError, match="relevance topic"):
        parse_taxonomy('[[topics]]\nslug = "x"\nrules = [{ rule = "x*" }]\n')
    with pytest.raises(TaxonomyError, match="not valid TOML"):
        parse_taxonomy("[[topics")


def test_evidence_spans_point_into_the_original_text(tagger: Tagger) -> None:
    text = "Titel\n\nDe Wit-Russische président Loekasjenko ontmoette Poetin in Minsk."
    result = tagger.tag(text)
    assert result.relevant
    for topic in result.topics:
        for ev in topic.evidence:
            assert text[ev["start"] : ev["end"]] == ev["text"]
            assert ev["term"]
    texts = {e["text"] for e in result.topics[0].evidence}
    assert {"Loekasjenko", "Poetin", "Minsk"} <= texts


@pytest.mark.parametrize(
    "text",
    [
        "Poetin kondigt mobilisatie aan; in Moskou wordt geprotesteerd.",  # Russia only
        "Kiev is vannacht getroffen door Russische raketten en drones.",  # Ukraine only
        "De Belarussische tennisster Sabalenka wint de Australian Open in de finale.",  # sport
        "Een gedichtenbundel is vertaald uit het Wit-Russisch in het Nederlands.",  # language
    ],
)
def test_hard_negatives_are_not_relevant(tagger: Tagger, text: str) -> None:
    result = tagger.tag(text)
    assert not result.relevant, result.as_json()
    assert result.topics == []


def test_empty_text_is_not_relevant(tagger: Tagger) -> None:
    for text in ("", "   \n\n  "):
        result = tagger.tag(text)
        assert (result.relevant, result.score, result.topics) == (False, 0.0, [])


def test_text_in_another_script_without_the_beat_is_not_relevant(tagger: Tagger) -> None:
    assert not tagger.tag("東京で新しい博物館が開館しました。").relevant
    assert not tagger.tag("Сегодня в Москве прошёл концерт.").relevant


def test_a_megabyte_is_read_up_to_the_limit_and_flagged(tagger: Tagger) -> None:
    head = "Loekasjenko ontmoet Poetin in Minsk over de Uniestaat. "
    filler = "Een zin zonder belang over het weer. " * 30_000
    result = tagger.tag(head + filler)
    assert len(head + filler) > 1_000_000
    assert result.truncated and result.relevant
    assert max(e["end"] for t in result.topics for e in t.evidence) <= tagger.taxonomy.max_chars
    late = tagger.tag(filler + head)  # the only mention lies beyond the limit
    assert late.truncated and not late.relevant


def test_all_seeds_are_relevant_with_evidence(tagger: Tagger) -> None:
    seeds = load_seed_dir(SEEDS_DIR).articles
    assert len(seeds) == 5
    for seed in seeds:
        result = tagger.tag(f"{seed.title}\n{seed.text}")
        assert result.relevant, seed.seed_file
        assert result.topics[0].slug == "belarus-russia"
        assert len(result.topics[0].evidence) >= 3
        assert result.profile_similarity > 0.3


def test_seed_profile_raises_the_score(tagger: Tagger) -> None:
    plain = Tagger(tagger.taxonomy, profile={})
    text = "Loekasjenko zegt dat Belarussische troepen niet naast Rusland in Oekraïne vechten."
    assert tagger.tag(text).score > plain.tag(text).score


def test_an_edited_taxonomy_is_picked_up(tmp_path: Path) -> None:
    topics = tmp_path / "topics.toml"
    text = DEFAULT_TOPICS_FILE.read_text(encoding="utf-8")
    topics.write_text(text, encoding="utf-8")
    before = load_tagger(topics, None)
    assert load_tagger(topics, None) is before  # cached
    topics.write_text(text.replace("threshold = 2.0\nuse_profile", "threshold = 99.0\nuse_profile"))
    os.utime(topics, ns=(1, topics.stat().st_mtime_ns + 10**9))
    after = load_tagger(topics, None)
    assert after is not before and after.taxonomy.relevance.threshold == 99.0


def test_the_minsk_agreements_are_not_about_belarus(tagger: Tagger) -> None:
    text = "De akkoorden van Minsk over Oost-Oekraïne zijn volgens Rusland dood."
    assert not tagger.tag(text).relevant
    text = "Loekasjenko ontving Poetin in Minsk, waar in 2015 de Minsk-akkoorden werden getekend."
    assert tagger.tag(text).relevant
