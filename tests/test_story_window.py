"""Matching an article against the stories filed under its weeks finds the same story as
matching it against every story (retag holds years of stories)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from processing.stories import StoryClusterer, StoryState, date_interval
from processing.story_window import StoryWeeks

START = datetime(2022, 1, 1, tzinfo=UTC)


def test_the_week_subset_matches_exactly_as_all_stories_do() -> None:
    rng = random.Random(3)
    words = [f"w{i}" for i in range(40)]
    full = StoryClusterer()
    weeks = StoryWeeks(full.window_days)
    for story_id in range(1, 400):
        terms = {w: rng.random() for w in rng.sample(words, 8)}
        dates = None
        if rng.random() > 0.1:
            lo = START + timedelta(days=rng.uniform(0, 700))
            dates = (lo, lo + timedelta(days=rng.choice([0, 0, 1, 5, 20])))
        state = StoryState(story_id, terms, 1, dates)
        full.load(state)
        weeks.file(state)
    compared, sizes = 0, []
    for _ in range(600):
        vector = {w: rng.random() for w in rng.sample(words, 8)}
        precision = rng.choice(["day", "day", "month", "unknown"])
        interval = date_interval(START + timedelta(days=rng.uniform(-10, 720)), precision)
        near = weeks.candidates(interval)
        if near is not None:
            sizes.append(len(near))
        subset = StoryClusterer(stories={i: full.stories[i] for i in sorted(near or full.stories)})
        expected = full.match(vector, interval)
        assert subset.match(vector, interval) == expected
        compared += expected.story_id is not None
    assert compared > 100  # most articles do match a story: the check is not vacuous
    assert sizes and sum(sizes) / len(sizes) < 100  # and the subset is a small part of 399
