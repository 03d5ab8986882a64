"""What a taxonomy change does to stored articles: compare stored tags with a new tagging.

Pure logic for ``newsmon rules test`` and ``newsmon retag``: an article *changes* when anything
retag would write differs (relevance, relevance score, a topic, its label, score or evidence),
so the backtest's count is exactly the number of articles a retag rewrites. Scores compare as
stored: rounded to four decimals, as ``storage/tags.py`` writes them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from processing.tagging import TagResult
from processing.taxonomy import Taxonomy

SCORE_DIGITS = 4  # storage/tags.py rounds scores to this many decimals


@dataclass(slots=True, frozen=True)
class StoredTag:
    """One topic as stored (or as it would be stored): slug, label, score, evidence."""

    slug: str
    label: str
    score: float
    evidence: list[dict[str, Any]]


@dataclass(slots=True)
class StoredTags:
    """An article's stored relevance, relevance score and topic rows."""

    relevant: bool | None
    score: float | None
    topics: list[StoredTag] = field(default_factory=list)


@dataclass(slots=True)
class TagChange:
    """One article a taxonomy would change, and why (for the backtest's report)."""

    article_id: int
    title: str
    relevant_before: bool | None
    relevant_after: bool
    score_before: float | None
    score_after: float
    topics_added: list[str]
    topics_removed: list[str]
    evidence: list[str]  # the spans behind the deciding side (after if relevant, else before)

    def as_json(self) -> dict[str, Any]:
        """The JSON line of ``newsmon rules test --json``."""
        return {
            "id": self.article_id,
            "title": self.title,
            "relevant_before": self.relevant_before,
            "relevant_after": self.relevant_after,
            "score_before": self.score_before,
            "score_after": self.score_after,
            "topics_added": self.topics_added,
            "topics_removed": self.topics_removed,
        }


def as_stored(result: TagResult) -> StoredTags:
    """What storing ``result`` writes, in the form :func:`compare` reads back."""
    return StoredTags(
        relevant=result.relevant,
        score=round(result.score, SCORE_DIGITS),
        topics=[
            StoredTag(t.slug, t.label, round(t.score, SCORE_DIGITS), list(t.evidence))
            for t in result.topics
        ],
    )


def compare(article_id: int, title: str, before: StoredTags, result: TagResult) -> TagChange | None:
    """The change from ``before`` to tagging ``result``, or None when retag would write nothing."""
    after = as_stored(result)
    old = {t.slug: t for t in before.topics}
    new = {t.slug: t for t in after.topics}
    if before.relevant == after.relevant and before.score == after.score and old == new:
        return None
    deciding = new if after.relevant else old
    evidence = [e.get("text", "") for t in deciding.values() for e in t.evidence[:3]][:6]
    return TagChange(
        article_id=article_id,
        title=title,
        relevant_before=before.relevant,
        relevant_after=bool(after.relevant),
        score_before=before.score,
        score_after=after.score if after.score is not None else 0.0,
        topics_added=sorted(set(new) - set(old)),
        topics_removed=sorted(set(old) - set(new)),
        evidence=evidence,
    )


@dataclass(slots=True)
class RuleTally:
    """How often each rule of a taxonomy held (distinct spans) and on how many articles."""

    hits: Counter[tuple[str, int]] = field(default_factory=Counter)
    articles: Counter[tuple[str, int]] = field(default_factory=Counter)

    def add(self, result: TagResult) -> None:
        """Count the rules that held for one article."""
        for slug, number, spans in result.fired:
            self.hits[slug, number] += spans
            self.articles[slug, number] += 1

    def rows(self, taxonomy: Taxonomy) -> list[dict[str, Any]]:
        """Every rule of ``taxonomy`` in file order, also those that never held."""
        return [
            {
                "topic": topic.slug,
                "rule": rule.text,
                "hits": self.hits[topic.slug, number],
                "articles": self.articles[topic.slug, number],
            }
            for topic in taxonomy.topics
            for number, rule in enumerate(topic.rules)
        ]


@dataclass(slots=True)
class TopicCounts:
    """Articles per topic (and relevant ones) before and after, for the backtest's table."""

    before: Counter[str] = field(default_factory=Counter)
    after: Counter[str] = field(default_factory=Counter)

    def add(self, before: StoredTags, result: TagResult) -> None:
        """Count one article on both sides."""
        self.before.update(t.slug for t in before.topics)
        self.after.update(t.slug for t in result.topics)
