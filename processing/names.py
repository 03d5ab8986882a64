"""The one pattern for names that may become file names: topic slugs, source names, alerts.

A topic slug is a feed's file name (``<data>/feeds/<slug>.atom``); a name such as
``../../x`` would write outside the data folder. Every loader checks its names against this
pattern, so a bad name is refused with one line when its file is read, before any work.
"""

from __future__ import annotations

import re

SAFE_NAME_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
SAFE_NAME_MAX_LENGTH = 100
_SAFE_NAME = re.compile(SAFE_NAME_PATTERN)


def name_problem(value: object) -> str | None:
    """Why ``value`` cannot be a name, or None when it can."""
    if not isinstance(value, str) or not value:
        return f"{value!r} is not a name"
    if len(value) > SAFE_NAME_MAX_LENGTH:
        return f"{value[:20]!r}… is longer than {SAFE_NAME_MAX_LENGTH} characters"
    if not _SAFE_NAME.match(value):
        return (
            f"{value!r} is not a valid name: lower-case letters, digits and '-', "
            "starting with a letter or digit"
        )
    return None
