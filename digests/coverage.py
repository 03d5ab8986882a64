"""Coverage at a glance, as numbers: the beat's articles per local day, split by subtopic and
by outlet, and the stories that are rising (pure: rows in, series out).

An article counts once, under its best-scoring subtopic (the beat's relevance topic only when
it has no other). A story is rising when, in the last 24 hours, more outlets or more articles
covered it than in the 24 hours before.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from digests.text import outlet
from storage.coverage import CoverageRow

OTHER = "other"
MAX_OUTLETS = 6  # the busiest outlets get a line each; the rest are "other"
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class RisingStory:
    """A story covered more in the last 24 hours than in the 24 hours before."""

    story_id: int
    label: str
    outlets_last_24h: int
    outlets_before: int
    articles_last_24h: int
    articles_before: int


@dataclass(slots=True)
class Coverage:
    """Per-day counts (oldest day first) for one period."""

    days: list[date]
    total: list[int]
    by_topic: dict[str, list[int]] = field(default_factory=dict)  # label -> counts, biggest first
    by_outlet: dict[str, list[int]] = field(default_factory=dict)
    rising: list[RisingStory] = field(default_factory=list)

    @property
    def has_articles(self) -> bool:
        return sum(self.total) > 0

    def as_json(self) -> dict[str, object]:
        """The ``trends --json`` object."""
        return {
            "days": [d.isoformat() for d in self.days],
            "total": self.total,
            "by_topic": self.by_topic,
            "by_outlet": self.by_outlet,
            "rising": [
                {
                    "story_id": r.story_id,
                    "label": r.label,
                    "outlets_last_24h": r.outlets_last_24h,
                    "outlets_before": r.outlets_before,
                    "articles_last_24h": r.articles_last_24h,
                    "articles_before": r.articles_before,
                }
                for r in self.rising
            ],
        }


def main_topic(row: CoverageRow, relevance_topic: str | None) -> str:
    """The label of the article's best subtopic (ties by slug); the beat topic only alone."""
    ranked = sorted(row.topics.items(), key=lambda item: (-item[1][1], item[0]))
    subtopics = [(slug, tag) for slug, tag in ranked if slug != relevance_topic]
    chosen = subtopics or ranked
    return chosen[0][1][0] if chosen else OTHER


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def coverage_of(
    rows: list[CoverageRow],
    *,
    last_day: date,
    days: int,
    tz: ZoneInfo,
    now: datetime,
    relevance_topic: str | None,
) -> Coverage:
    """Bin ``rows`` into the ``days`` local days ending with ``last_day``."""
    span = [last_day - timedelta(days=days - 1 - i) for i in range(days)]
    index = {day: i for i, day in enumerate(span)}
    total = [0] * days
    topics: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    outlets: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    for row in rows:
        i = index.get(_aware(row.when).astimezone(tz).date())
        if i is None:
            continue
        total[i] += 1
        topics[main_topic(row, relevance_topic)][i] += 1
        outlets[outlet(row.url, row.source_name, row.origin)][i] += 1
    busiest = sorted(outlets, key=lambda name: (-sum(outlets[name]), name))
    by_outlet = {name: outlets[name] for name in busiest[:MAX_OUTLETS]}
    if len(busiest) > MAX_OUTLETS:
        rest = [sum(col) for col in zip(*(outlets[n] for n in busiest[MAX_OUTLETS:]), strict=True)]
        by_outlet[OTHER] = rest
    by_topic = {name: topics[name] for name in sorted(topics, key=lambda n: (-sum(topics[n]), n))}
    return Coverage(span, total, by_topic, by_outlet, rising_stories(rows, now))


def rising_stories(rows: list[CoverageRow], now: datetime) -> list[RisingStory]:
    """Stories with more outlets or articles in the last 24 h than in the 24 h before."""
    recent: dict[int, list[CoverageRow]] = defaultdict(list)
    before: dict[int, list[CoverageRow]] = defaultdict(list)
    labels: dict[int, str] = {}
    for row in rows:
        if row.story_id is None:
            continue
        age = now - _aware(row.when)
        labels[row.story_id] = row.story_label or ""
        if timedelta(0) <= age < DAY:
            recent[row.story_id].append(row)
        elif DAY <= age < 2 * DAY:
            before[row.story_id].append(row)

    def outlet_count(items: list[CoverageRow]) -> int:
        return len(Counter(outlet(r.url, r.source_name, r.origin) for r in items))

    rising = []
    for story_id, items in recent.items():
        old = before.get(story_id, [])
        if outlet_count(items) > outlet_count(old) or len(items) > len(old):
            rising.append(
                RisingStory(
                    story_id,
                    labels[story_id],
                    outlet_count(items),
                    outlet_count(old),
                    len(items),
                    len(old),
                )
            )
    return sorted(rising, key=lambda r: (-r.outlets_last_24h, -r.articles_last_24h, r.story_id))
