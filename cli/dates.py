"""Day arguments of the CLI (``--date``, ``--since``, backfill START/END), checked in one place.

``9999-12-31`` is a valid ISO date, but the day after it (a day's window, a range's end) is not
a date at all: the commands raised ``OverflowError``. Days outside :data:`FIRST_DAY` …
:data:`LAST_DAY` are refused with one line and exit 2, like a malformed one.
"""

from __future__ import annotations

from datetime import date

from cli.common import EXIT_NOTHING_RAN, fail
from processing.temporal import FIRST_DAY, LAST_DAY


def day_problem(value: str) -> str | None:
    """Why ``value`` is not a usable day, or None."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return "is not a date: use YYYY-MM-DD"
    if not FIRST_DAY <= day <= LAST_DAY:
        return f"is out of range: use a day from {FIRST_DAY} to {LAST_DAY}"
    return None


def parse_day(value: str, name: str) -> date:
    """The day ``value`` given as option or argument ``name``; one ``error:`` line and exit 2
    when it is not a date or out of range."""
    problem = day_problem(value)
    if problem is not None:
        raise fail(f"{name} {value!r} {problem}", EXIT_NOTHING_RAN)
    return date.fromisoformat(value)
