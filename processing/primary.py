"""The primary subtopic: the one section an article, or a story, is filed under.

An article touches many subtopics (a Sochi summit names loans, troops and the Union State), so
the digest cannot file it under "the first" one. Each matched subtopic gets a *strength*: its
rule score plus ``LEAD_WEIGHT`` x the score of the same rules on the headline and lead (news
puts the main subject first), divided by the topic's threshold so that topics with different
thresholds compare. The strongest subtopic is primary when it leads the runner-up by the
``margin`` factor and reaches ``MIN_STRENGTH``; a near tie or weak evidence gives no primary
rather than a wrong one (the story then sits under the beat's general section).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

LEAD_WORDS = 50
LEAD_WEIGHT = 1.0
PRIMARY_MARGIN = 1.2
MIN_STRENGTH = 1.0
MAX_SHOWN = 3


def choose_primary(
    strengths: Mapping[str, float],
    margin: float = PRIMARY_MARGIN,
    min_strength: float = MIN_STRENGTH,
) -> str | None:
    """The subtopic that leads the others by ``margin`` (a factor), or None."""
    ranked = ranked_topics(strengths)
    if not ranked or strengths[ranked[0]] < min_strength:
        return None
    if len(ranked) > 1 and strengths[ranked[0]] < margin * strengths[ranked[1]]:
        return None
    return ranked[0]


def ranked_topics(strengths: Mapping[str, float]) -> list[str]:
    """Subtopics strongest first (ties by slug, so the order is stable)."""
    return sorted(strengths, key=lambda slug: (-strengths[slug], slug))


def summed_strengths(members: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """A story's strength per subtopic: the sum over its articles."""
    total: dict[str, float] = {}
    for strengths in members:
        for slug, value in strengths.items():
            total[slug] = total.get(slug, 0.0) + value
    return total


def shown_topics(
    strengths: Mapping[str, float], primary: str | None, limit: int = MAX_SHOWN
) -> list[str]:
    """The subtopics a reader sees: the primary first, then the strongest, at most ``limit``."""
    rest = [slug for slug in ranked_topics(strengths) if slug != primary]
    return ([primary] if primary else []) + rest[: limit - (1 if primary else 0)]
