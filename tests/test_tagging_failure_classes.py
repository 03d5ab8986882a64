"""The failure classes seen on real text stay fixed: substring compounds, the Minsk agreements,
transliteration labels, rule operands that silently meant a whole group, generic words."""

from __future__ import annotations

import pytest

from pipeline.processor import DEFAULT_TOPICS_FILE, load_tagger
from processing.rules import RuleParser, RuleSyntaxError
from processing.tagging import Tagger
from processing.taxonomy import TaxonomyError, parse_taxonomy
from processing.textmatch import TermSet, fold_with_offsets
from tests.conftest import SEEDS_DIR


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return load_tagger(DEFAULT_TOPICS_FILE, SEEDS_DIR)


def found(terms: TermSet, text: str) -> list[str]:
    folded = fold_with_offsets(text)
    return [folded.folded[h.start : h.end] for h in terms.find(folded)]


def test_a_compound_head_needs_three_letters() -> None:
    terms = TermSet("opp", ["*oppositie"])
    assert found(terms, "de toppositie van de ranglijst") == []
    assert found(terms, "de oppositie en de straatoppositie") == ["oppositie", "straatoppositie"]


def test_a_label_followed_by_a_colon_is_not_a_mention() -> None:
    terms = TermSet("russia", ["russisch*"], not_after=["wit-"], not_before=[":"])
    assert found(terms, "Vitebsk (Wit-Russisch: Віцебск, Russisch: Витебск)") == []
    assert found(terms, "Russische troepen, Russisch gas") == ["russische", "russisch"]


def test_an_excluded_phrase_hides_the_terms_inside_it() -> None:
    agreements = TermSet("minsk_agreements", ["minsk-akkoord*", "akkoord* van minsk"])
    belarus = TermSet("belarus", ["minsk*", "belarus*"], exclude=[agreements])
    text = "De Minskakkoorden en de akkoorden van Minsk; Loekasjenko in Minsk."
    assert found(belarus, text) == ["minsk"]
    folded = fold_with_offsets(text)
    assert belarus.find(folded) == belarus.scan(folded)


def test_a_bare_word_that_is_no_group_is_an_error() -> None:
    groups = {"sanctions": TermSet("sanctions", ["sancties", "economie"])}
    parser = RuleParser(groups)
    assert parser.parse('"sanctions"')(fold_with_offsets("economie"), {}).ok is False
    assert parser.parse("sanctions")(fold_with_offsets("economie"), {}).ok is True
    with pytest.raises(RuleSyntaxError, match="unknown group 'sanction'"):
        parser.parse("sanction OR embargo*")


def test_a_broken_taxonomy_names_topic_rule_and_problem() -> None:
    base = '[groups.a]\nterms = ["a"]\n[[topics]]\nslug = "belarus-russia"\n'
    base += 'rules = [{ rule = "a" }, '
    with pytest.raises(TaxonomyError, match=r"topic 'belarus-russia', rule 2: unknown group 'b'"):
        parse_taxonomy(base + '{ rule = "a AND b" }]\n')
    with pytest.raises(TaxonomyError, match=r"rule 2 'a': weight = 'heavy' is not a finite number"):
        parse_taxonomy(base + '{ rule = "a", weight = "heavy" }]\n')
    with pytest.raises(TaxonomyError, match="exclude names unknown group 'nope'"):
        parse_taxonomy('[groups.a]\nterms = ["a"]\nexclude = ["nope"]\n')


@pytest.mark.parametrize(
    "text",
    [
        "Het Minsk-overleg over de Donbas liep vast; Rusland en Oekraïne geven elkaar de schuld "
        "van het falen van de Minskakkoorden.",
        "De Belarussische tennisster, die na kritiek van journalisten over censuur in ballingschap "
        "leeft, staat op de toppositie van de ranglijst na haar zege in de finale.",
        "De stad Brest (Wit-Russisch: Брэст, Russisch: Брест) ligt aan de Poolse grens en heeft "
        "een bekend museum in het fort.",
    ],
)
def test_real_failure_shapes_are_not_relevant(tagger: Tagger, text: str) -> None:
    assert not tagger.tag(text).relevant, tagger.tag(text).as_json()


def test_one_generic_word_never_makes_a_subtopic(tagger: Tagger) -> None:
    text = "Loekasjenko ontmoet Poetin in Moskou; ze spreken over de Uniestaat en de economie."
    result = tagger.tag(text)
    assert result.relevant
    assert "sanctions-economy" not in {t.slug for t in result.topics}
    protest = tagger.tag("Loekasjenko spreekt Poetin over de Uniestaat. Er was een protest.")
    assert "repression-opposition" not in {t.slug for t in protest.topics}
