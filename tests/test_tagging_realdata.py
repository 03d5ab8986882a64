"""Tagging real third-party text: English news pages and a Russian-language Belarusian feed."""

from __future__ import annotations

import re

import feedparser
import pytest

from pipeline.processor import DEFAULT_TOPICS_FILE, load_tagger
from processing.tagging import Tagger
from tests.conftest import SEEDS_DIR
from tests.realdata import REALDATA_DIR, require_realdata

FEED = REALDATA_DIR / "feeds" / "tutby_news_all_2019-12-30.xml"
PAGES = sorted((REALDATA_DIR / "extraction").glob("*.expected.txt"))


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return load_tagger(DEFAULT_TOPICS_FILE, SEEDS_DIR)


def test_off_beat_english_news_pages_are_not_relevant(tagger: Tagger) -> None:
    require_realdata("extraction")
    assert len(PAGES) == 9
    for page in PAGES:  # the Moon, Taylor Swift, Tottenham, Syria, oil prices, Bolivia …
        assert not tagger.tag(page.read_text(encoding="utf-8")).relevant, page.name


def test_a_russian_language_belarusian_feed(tagger: Tagger) -> None:
    require_realdata("feeds", FEED.name)
    entries = feedparser.parse(str(FEED)).entries
    assert len(entries) == 100
    results = {
        e.title: tagger.tag(e.title + "\n" + re.sub(r"<[^>]+>", " ", e.get("summary", "")))
        for e in entries
    }
    protest = next(r for t, r in results.items() if "против интеграции с Россией" in t)
    assert protest.relevant
    assert "union-state" in {t.slug for t in protest.topics}
    assert any(e["text"] == "Минске" for e in protest.topics[0].evidence)
    # Horoscopes, weather and recipes from Minsk are stored but do not reach the digest.
    assert sum(r.relevant for r in results.values()) <= 5
    weather = [r for t, r in results.items() if t.startswith("Дожди")]
    assert weather and not any(r.relevant for r in weather)
