"""Which stories an article could join, found by week instead of by scanning every story.

:meth:`processing.stories.StoryClusterer.match` compares an article with every story it holds.
Ingest holds a 14-day window of stories, but a retag of years of articles holds them all:
thousands of stories, so each match cost milliseconds. A :class:`StoryWeeks` index files each
dated story under the weeks its dates (plus the clusterer's window) cover; the stories an
article dated ``interval`` can be compatible with are among those filed under its weeks, plus
every undated story. Matching over that subset gives the same story as over all of them
(same order, same compatibility test), since no compatible story is left out.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from processing.stories import Interval, StoryState

WEEK = timedelta(days=7)
EPOCH = datetime(1970, 1, 5).toordinal()  # a Monday


def _week(moment: datetime) -> int:
    return (moment.toordinal() - EPOCH) // 7


class StoryWeeks:
    """Story ids by week of their (widened) date span; undated stories kept apart."""

    def __init__(self, window_days: int) -> None:
        self.slack = timedelta(days=window_days)
        self.by_week: defaultdict[int, set[int]] = defaultdict(set)
        self.undated: set[int] = set()

    def file(self, state: StoryState) -> None:
        """(Re-)file a story after it was created or its dates changed (filing only grows:
        a stale entry costs one compatibility test, never a wrong match)."""
        if state.dates is None:
            self.undated.add(state.story_id)
            return
        self.undated.discard(state.story_id)
        lo, hi = state.dates[0] - self.slack, state.dates[1] + self.slack
        for week in range(_week(lo), _week(hi) + 1):
            self.by_week[week].add(state.story_id)

    def candidates(self, interval: Interval | None) -> set[int] | None:
        """Ids of the stories an article dated ``interval`` could join (None: all of them)."""
        if interval is None:
            return None
        found = set(self.undated)
        for week in range(_week(interval[0]), _week(interval[1]) + 1):
            found |= self.by_week.get(week, set())
        return found
