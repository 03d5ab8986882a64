"""When was an undated article written? A month hint from the dates it mentions.

An article without a date that repeatedly names days of one month ("op 19 februari", "27
februari") was almost certainly written around then; stories use the hint to keep such an
article out of a story from another time of year. A single mention (a look back at "24
februari") is not enough, and a mixed bag of months gives no hint.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from processing.normalize import fold

# The beat's outlets date their articles and archive days in Dutch time: the one definition.
NEWSROOM_TIMEZONE = "Europe/Amsterdam"
NEWSROOM_TZ = ZoneInfo(NEWSROOM_TIMEZONE)

#: The days a --date, --since or backfill range may name: before any archive newsmon reads is
#: meaningless, and ``date.max`` has no next day (a day's window would overflow).
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)

MONTHS = {
    "januari": 1, "january": 1, "februari": 2, "february": 2, "maart": 3, "march": 3,
    "april": 4, "mei": 5, "may": 5, "juni": 6, "june": 6, "juli": 7, "july": 7,
    "augustus": 8, "august": 8, "september": 9, "oktober": 10, "october": 10,
    "november": 11, "december": 12,
}  # fmt: skip
_DAY_MONTH = re.compile(r"\b([0-3]?\d)\s+(" + "|".join(MONTHS) + r")\b")
MIN_MENTIONS = 2
MIN_SHARE = 0.6


def month_hint(text: str) -> int | None:
    """The month (1–12) that the text's day-month mentions point to, or None.

    The most-mentioned month needs at least two mentions and, together with its neighbour
    months (an article in early February looks back at late January), most of the mentions.
    """
    counts: Counter[int] = Counter()
    for day, name in _DAY_MONTH.findall(fold(text)):
        if 1 <= int(day) <= 31:
            counts[MONTHS[name]] += 1
    if not counts:
        return None
    month, n = counts.most_common(1)[0]
    near = sum(counts[m] for m in around(month))
    if n >= MIN_MENTIONS and near / sum(counts.values()) >= MIN_SHARE:
        return month
    return None


def around(month: int) -> set[int]:
    """The month and its two neighbours (December and January are neighbours)."""
    return {(month - 2) % 12 + 1, month, month % 12 + 1}


def months_between(start: datetime, end: datetime, slack_days: int) -> set[int]:
    """The calendar months touched by ``[start - slack, end + slack]``."""
    lo, hi = start - timedelta(days=slack_days), end + timedelta(days=slack_days)
    months: set[int] = set()
    current = lo.replace(day=1)
    while current <= hi and len(months) < 12:
        months.add(current.month)
        current = (current + timedelta(days=32)).replace(day=1)
    return months
