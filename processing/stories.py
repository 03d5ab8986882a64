"""Story clustering: articles from any outlet about the same event share a story.

An article is a bag of content words from its lead (the first words weighted up: news puts the
event first) plus their character 5-grams at half weight, so Dutch compounds and inflections
still overlap. A story keeps the sum of its members' unit vectors (stored as JSON, so a new
process continues the same stories); an article joins the most similar story with compatible
dates when the cosine reaches ``threshold``, else starts one. Unknown dates are compatible with
everything, except an undated text that keeps naming days of one month
(:func:`processing.temporal.month_hint`). The numbers were measured: README, "Stories".
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from processing.primary import MAX_SHOWN, choose_primary, shown_topics
from processing.profile import content_words
from processing.temporal import around, months_between

LEAD_WORDS = 150
HEAD_WORDS = 30
HEAD_WEIGHT = 3.0
GRAM_SIZE = 5
GRAM_WEIGHT = 0.5
THRESHOLD = 0.28
# Short texts share beat words (Loekasjenko, Poetin, Belarus) by chance more often, so below
# FULL_WORDS content words the threshold rises linearly, by up to SHORT_PENALTY.
FULL_WORDS = 80
SHORT_PENALTY = 0.1
WINDOW_DAYS = 7
CENTROID_TERMS = 400

Interval = tuple[datetime, datetime]


def story_vector(text: str) -> dict[str, float]:
    """The unit-length lead vector of ``text`` (empty for a text without content words)."""
    weights: dict[str, float] = {}
    get = weights.get
    seen: set[str] = set()
    for position, word in enumerate(content_words(text, LEAD_WORDS)):
        if word in seen:
            continue  # its first place weighed it (and its grams) at least as much
        seen.add(word)
        weight = HEAD_WEIGHT if position < HEAD_WORDS else 1.0
        if get(word, 0.0) < weight:
            weights[word] = weight
        half = weight * GRAM_WEIGHT
        padded = f"<{word}>"
        for i in range(len(padded) - GRAM_SIZE + 1):
            gram = padded[i : i + GRAM_SIZE]
            if get(gram, 0.0) < half:
                weights[gram] = half
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {w: v / norm for w, v in weights.items()} if norm else {}


def lead_words(text: str) -> int:
    """How many content words of the lead a story vector is built from."""
    return len(content_words(text, LEAD_WORDS))


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine similarity of two sparse vectors."""
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    if dot == 0.0:
        return 0.0
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb)


def date_interval(published_at: datetime | None, precision: str) -> Interval | None:
    """The span of time a published date stands for: a day, a whole month, or nothing."""
    if published_at is None or precision == "unknown":
        return None
    if precision == "month":
        start = published_at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        last = calendar.monthrange(start.year, start.month)[1]
        return start, start.replace(day=last, hour=23, minute=59, second=59)
    return published_at, published_at


@dataclass(slots=True)
class StoryState:
    """What the clusterer knows of one story (persisted in ``stories.centroid``)."""

    story_id: int
    centroid: dict[str, float]
    size: int = 1
    dates: Interval | None = None
    month_hints: set[int] = field(default_factory=set)  # from undated members

    def to_json(self) -> dict[str, Any]:
        """The JSON stored in ``stories.centroid``."""
        top = sorted(self.centroid.items(), key=lambda kv: -kv[1])[:CENTROID_TERMS]
        return {
            "version": 1,
            "size": self.size,
            "terms": {k: round(v, 5) for k, v in top},
            "dates": [d.isoformat() for d in self.dates] if self.dates else None,
            "month_hints": sorted(self.month_hints),
        }

    @classmethod
    def from_json(cls, story_id: int, data: dict[str, Any]) -> StoryState:
        """Rebuild from ``stories.centroid`` (written by :meth:`to_json`)."""
        dates = data.get("dates")
        interval = None
        if dates:
            lo, hi = (_aware(datetime.fromisoformat(d)) for d in dates)
            interval = (lo, hi)
        hints = {int(m) for m in data.get("month_hints", [])}
        return cls(story_id, dict(data.get("terms", {})), int(data.get("size", 1)), interval, hints)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(slots=True)
class StoryMatch:
    """The story an article should join (None: start a new one) and the similarity."""

    story_id: int | None
    similarity: float


@dataclass
class StoryClusterer:
    """Incremental centroid clustering over the stories of a rolling window."""

    threshold: float = THRESHOLD
    window_days: int = WINDOW_DAYS
    stories: dict[int, StoryState] = field(default_factory=dict)

    def load(self, state: StoryState) -> None:
        """Make a stored story available for matching."""
        self.stories[state.story_id] = state

    def compatible(
        self, story: StoryState, interval: Interval | None, hint: int | None = None
    ) -> bool:
        """Whether an article dated ``interval`` (or hinted at month ``hint``) can belong to
        ``story`` in time."""
        slack = timedelta(days=self.window_days)
        if interval is not None and story.dates is not None:
            lo, hi = _aware(interval[0]), _aware(interval[1])
            return lo <= story.dates[1] + slack and hi >= story.dates[0] - slack
        if interval is None and hint is not None and story.dates is not None:
            return hint in months_between(*story.dates, self.window_days)
        if interval is not None and story.month_hints:
            months = months_between(interval[0], interval[1], self.window_days)
            return bool(story.month_hints & months)
        if hint is not None and story.month_hints:
            return any(hint in around(m) for m in story.month_hints)
        return True

    def threshold_for(self, n_words: int) -> float:
        """The similarity a text of ``n_words`` lead words needs to join a story."""
        return self.threshold + SHORT_PENALTY * max(0.0, 1.0 - n_words / FULL_WORDS)

    def match(
        self,
        vector: dict[str, float],
        interval: Interval | None,
        hint: int | None = None,
        n_words: int = FULL_WORDS,
    ) -> StoryMatch:
        """The best compatible story at or above the threshold (ties: the oldest story)."""
        best = StoryMatch(None, 0.0)
        if not vector:
            return best
        threshold = self.threshold_for(n_words)
        for story_id in sorted(self.stories):
            story = self.stories[story_id]
            if not self.compatible(story, interval, hint):
                continue
            similarity = cosine(vector, story.centroid)
            if similarity >= threshold and similarity > best.similarity:
                best = StoryMatch(story_id, similarity)
        return best

    def add(
        self,
        story_id: int,
        vector: dict[str, float],
        interval: Interval | None,
        hint: int | None = None,
    ) -> StoryState:
        """Add an article's vector to a story (creating the story state when new)."""
        story = self.stories.get(story_id)
        if story is None:
            story = self.stories[story_id] = StoryState(story_id, dict(vector), 1, None)
        else:
            for term, weight in vector.items():
                story.centroid[term] = story.centroid.get(term, 0.0) + weight
            story.size += 1
        if interval is None and hint is not None:
            story.month_hints.add(hint)
        if interval is not None:
            lo, hi = _aware(interval[0]), _aware(interval[1])
            if story.dates is None:
                story.dates = (lo, hi)
            else:
                story.dates = (min(story.dates[0], lo), max(story.dates[1], hi))
        return story

    def evict_before(self, cutoff: datetime) -> int:
        """Forget stories whose latest known date is before ``cutoff``."""
        old = [k for k, s in self.stories.items() if s.dates and s.dates[1] < _aware(cutoff)]
        for key in old:
            del self.stories[key]
        return len(old)


def story_topics(scores: Mapping[str, float], relevance_topic: str | None) -> list[str]:
    """The topic slugs a story shows, at most ``MAX_SHOWN``, the one it is filed under first:
    its primary subtopic (by the summed strengths of its articles, with the margin), else the
    relevance topic (the beat's general section) followed by the strongest subtopics."""
    strengths = {slug: value for slug, value in scores.items() if slug != relevance_topic}
    primary = choose_primary(strengths)
    shown = shown_topics(strengths, primary)
    if primary is None and relevance_topic is not None and relevance_topic in scores:
        return [relevance_topic, *shown[: MAX_SHOWN - 1]]
    return shown
