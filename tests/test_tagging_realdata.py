"""Tagging real third-party text: English news pages, the two labelled development sets of
Dutch/English/Russian excerpts about Belarus and Russia (issue 27: the relation, not Belarus
alone), and a Russian-language Belarusian feed labelled for this project."""

from __future__ import annotations

import pytest

from benchmarks.tagging_realdata import (
    EXCERPT_SETS,
    TUTBY_LABELS,
    excerpt_rows,
    excerpt_text,
    score,
    tutby_rows,
)
from pipeline.processor import DEFAULT_TOPICS_FILE, load_tagger
from processing.tagging import Tagger
from tests.conftest import SEEDS_DIR
from tests.realdata import REALDATA_DIR, require_realdata

FEED = "tutby_news_all_2019-12-30.xml"
PAGES = sorted((REALDATA_DIR / "extraction").glob("*.expected.txt"))

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return load_tagger(DEFAULT_TOPICS_FILE, SEEDS_DIR)


def test_off_beat_english_news_pages_are_not_relevant(tagger: Tagger) -> None:
    require_realdata("extraction")
    assert len(PAGES) == 9
    for page in PAGES:  # the Moon, Taylor Swift, Tottenham, Syria, oil prices, Bolivia …
        assert not tagger.tag(page.read_text(encoding="utf-8")).relevant, page.name


@pytest.mark.parametrize("name", EXCERPT_SETS)
def test_each_development_set_meets_the_relevance_targets(tagger: Tagger, name: str) -> None:
    rows = excerpt_rows(require_realdata(name))
    labels = [r["label"] for r in rows]
    assert labels.count("POS") >= 10 and labels.count("NEG") >= 15
    report = score(tagger, rows)
    assert report["precision"] >= 0.95, report
    assert report["recall"] >= 0.95, report


@pytest.mark.parametrize(
    "file",
    [
        "texts/019.txt",  # Ryanair diversion, EU and US reactions
        "texts/043.txt",  # the EU wants an inquiry into the diversion
        "texts/055.txt",  # Belarus frees prisoners after a US envoy's visit, via Lithuania
        "texts/023.txt",  # Belarus excluded from Eurovision
    ],
)
def test_belarus_and_the_west_without_russia_is_off_the_beat(tagger: Tagger, file: str) -> None:
    text = excerpt_text(require_realdata("tagging-2", file))
    assert "Lukashenko" in text or "Loekasjenko" in text or "Wit-Rusland" in text
    result = tagger.tag(text)
    assert not result.relevant, result.as_json()


def test_belarusian_domestic_politics_without_russia_is_off_the_beat(tagger: Tagger) -> None:
    rows = excerpt_rows(require_realdata("tagging"))
    border = [r for r in rows if r["label"] == "BORDER"]  # elections, Tichanovskaja, no Russia
    assert len(border) == 3
    assert not any(tagger.tag(r["text"]).relevant for r in border)


def test_minsk_as_a_venue_is_off_the_beat_unless_the_relation_is_discussed(
    tagger: Tagger,
) -> None:
    explainer = (
        "Wat zijn de Minsk-akkoorden?\nDe akkoorden moesten in 2015 de oorlog in de Donbas "
        "beëindigen. Ze werden gesloten in de Wit-Russische hoofdstad Minsk, tussen Oekraïne, "
        "Rusland en de separatisten, met Duitsland en Frankrijk in het Normandië-format. "
        "Rusland en Oekraïne verwijten elkaar dat de afspraken van Minsk nooit zijn uitgevoerd."
    )
    assert not tagger.tag(explainer).relevant
    relation = explainer + " Loekasjenko zei na een gesprek met Poetin dat de Uniestaat hecht is."
    assert tagger.tag(relation).relevant


def test_the_tutby_feed_is_tagged_as_labelled(tagger: Tagger) -> None:
    rows = tutby_rows(require_realdata("feeds", FEED))
    assert len(rows) == 100
    assert sum(r["label"] == "POS" for r in rows) == 5, TUTBY_LABELS
    report = score(tagger, rows)
    assert report["precision"] >= 0.9, report
    assert report["recall"] >= 0.8, report


def test_the_anti_integration_protest_carries_its_evidence(tagger: Tagger) -> None:
    rows = tutby_rows(require_realdata("feeds", FEED))
    protest = next(r for r in rows if "против интеграции с Россией" in r["text"])
    result = tagger.tag(protest["text"])
    assert result.relevant
    assert "union-state" in {t.slug for t in result.topics}
    assert any(e["text"] == "Минске" for e in result.topics[0].evidence)
    weather = [r for r in rows if r["text"].startswith("Дожди")]
    assert weather and not any(tagger.tag(r["text"]).relevant for r in weather)
