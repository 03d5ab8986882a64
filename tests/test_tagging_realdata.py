"""Tagging real third-party text: English news pages, labelled Dutch/English excerpts about
Belarus and Russia, and a Russian-language Belarusian feed labelled for this project."""

from __future__ import annotations

import pytest

from benchmarks.tagging_realdata import TUTBY_LABELS, excerpt_rows, score, tutby_rows
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


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_real_excerpts_meet_the_relevance_targets(tagger: Tagger, split: str) -> None:
    rows = [r for r in excerpt_rows(require_realdata("tagging")) if r["split"] == split]
    labels = [r["label"] for r in rows]
    assert labels.count("POS") >= 9 and labels.count("NEG") >= 8
    report = score(tagger, rows)
    assert report["precision"] >= 0.95, report
    assert report["recall"] >= 0.95, report
    # Belarusian domestic politics stays on the beat (README "Tuning the beat").
    assert report["border_relevant"] == report["border"], report


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
