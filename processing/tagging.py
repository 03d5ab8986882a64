"""Topic tagging: which Belarus–Russia subtopics an article is about, why, and how strongly.

Scoring (the README explains it for users): every rule of a topic that holds adds its weight
(times the number of distinct supporting spans, up to the rule's ``max``); the relevance topic
also adds ``profile.weight`` × the cosine between the article and the seed-corpus profile.
A topic matches when its ``require`` rule holds and the score reaches its threshold; subtopics
only match on relevant articles. The spans of the rules that held are the evidence. A matched
subtopic's stored score is its *strength* (``processing/primary.py``: headline and lead count
extra, divided by the threshold), so subtopics compare and one of them can be primary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from processing.primary import LEAD_WEIGHT, LEAD_WORDS, choose_primary
from processing.profile import build_profile, profile_similarity
from processing.rules import HitCache
from processing.taxonomy import Taxonomy, Topic, parse_taxonomy
from processing.textmatch import FoldedText, Hit, fold_with_offsets
from storage.records import TopicMatch

_WORD = re.compile(r"\S+")


@dataclass(slots=True)
class TagResult:
    """The tags of one document: relevance, its score, matched topics (relevance first)."""

    relevant: bool
    score: float
    topics: list[TopicMatch] = field(default_factory=list)
    truncated: bool = False
    profile_similarity: float = 0.0
    # The rules that held, as (topic slug, rule index in the topic, distinct supporting spans):
    # what ``newsmon rules test`` counts. Subtopic rules are only tried on relevant articles.
    fired: list[tuple[str, int, int]] = field(default_factory=list)
    # The subtopic the article is filed under (None: no subtopic leads by the margin).
    primary: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The JSON shape printed by ``newsmon tag``."""
        return {
            "relevant": self.relevant,
            "score": round(self.score, 3),
            "truncated": self.truncated,
            "primary": self.primary,
            "topics": [
                {
                    "slug": t.slug,
                    "label": t.label,
                    "score": round(t.score, 3),
                    "evidence": t.evidence,
                }
                for t in self.topics
            ],
        }


class Tagger:
    """Applies a compiled :class:`Taxonomy` (and an optional seed profile) to documents."""

    def __init__(self, taxonomy: Taxonomy, profile: dict[str, float] | None = None) -> None:
        self.taxonomy = taxonomy
        self.profile = profile or {}

    def __reduce__(self) -> tuple[Any, tuple[str, tuple[tuple[str, float], ...]]]:
        """Pickled as its taxonomy's TOML text and profile (compiled rules are closures), so
        a parsing worker process can tag; each process compiles a given taxonomy once."""
        if not self.taxonomy.source:
            raise TypeError("a Tagger built without its taxonomy's TOML text cannot be pickled")
        return _tagger_from_source, (self.taxonomy.source, tuple(self.profile.items()))

    @classmethod
    def from_toml(cls, toml_text: str, seed_texts: list[str] | None = None) -> Tagger:
        """Build from the taxonomy's TOML text and the seed texts (for the profile)."""
        taxonomy = parse_taxonomy(toml_text)
        profile = build_profile(seed_texts or [], min_docs=taxonomy.profile_min_docs)
        return cls(taxonomy, profile)

    def tag(self, document: str) -> TagResult:
        """Tag ``document`` (title, newline, text). Empty text is simply not relevant.

        Only the first ``max_chars`` characters are read, so a megabyte of text costs the same
        as a long article; ``truncated`` says when that happened. Evidence offsets index the
        document as given.
        """
        truncated = len(document) > self.taxonomy.max_chars
        text = self.taxonomy.index.prepare(fold_with_offsets(document[: self.taxonomy.max_chars]))
        cache: HitCache = {}
        relevance = self.taxonomy.relevance
        similarity = 0.0
        on_beat = relevance.require is None or relevance.require(text, cache).ok
        if self.profile and on_beat:  # most news never mentions Belarus: skip the cosine
            similarity = profile_similarity(self.profile, text.original)
        fired: list[tuple[str, int, int]] = []
        rel_match = self._topic(relevance, text, cache, similarity, fired)
        result = TagResult(
            relevant=False,
            score=rel_match.score if rel_match else 0.0,
            truncated=truncated,
            profile_similarity=similarity,
            fired=fired,
        )
        if rel_match is None or rel_match.score < relevance.threshold:
            return result
        result.relevant = True
        result.topics.append(rel_match)
        lead: FoldedText | None = None
        lead_cache: HitCache = {}
        for topic in self.taxonomy.topics:
            if topic is relevance:
                continue
            match = self._topic(topic, text, cache, similarity, fired)
            if match is None or match.score < topic.threshold:
                continue
            if lead is None:
                lead = self.taxonomy.index.prepare(fold_with_offsets(lead_of(document)))
            in_lead = self._topic(topic, lead, lead_cache, similarity, [])
            bonus = LEAD_WEIGHT * in_lead.score if in_lead is not None else 0.0
            match.score = (match.score + max(bonus, 0.0)) / topic.threshold
            result.topics.append(match)
        result.primary = choose_primary({t.slug: t.score for t in result.topics[1:]})
        if result.primary is not None:  # the primary subtopic right after relevance
            result.topics[1:] = sorted(result.topics[1:], key=lambda t: t.slug != result.primary)
        return result

    def _topic(
        self,
        topic: Topic,
        text: FoldedText,
        cache: HitCache,
        similarity: float,
        fired: list[tuple[str, int, int]],
    ) -> TopicMatch | None:
        """The topic's score and evidence, or None when its ``require`` rule fails; the rules
        that held are appended to ``fired``."""
        if topic.require is not None and not topic.require(text, cache).ok:
            return None
        score = 0.0
        hits: dict[Hit, None] = {}
        for number, rule in enumerate(topic.rules):
            outcome = rule.node(text, cache)
            if not outcome.ok:
                continue
            distinct = {(h.start, h.end) for h in outcome.hits} or {(0, 0)}
            fired.append((topic.slug, number, len(distinct)))
            score += rule.weight * min(len(distinct), rule.max_count)
            for hit in outcome.hits:
                hits[hit] = None
        if topic.use_profile:
            score += self.taxonomy.profile_weight * similarity
        if score <= 0.0:
            return None
        return TopicMatch(topic.slug, topic.label, score, self._evidence(text, list(hits)))

    def _evidence(self, text: FoldedText, hits: list[Hit]) -> list[dict[str, Any]]:
        """Distinct spans in original offsets, in text order, capped at ``max_evidence``."""
        seen: set[tuple[int, int]] = set()
        evidence: list[dict[str, Any]] = []
        for hit in sorted(hits, key=lambda h: (h.start, h.end)):
            start, end = text.span(hit.start, hit.end)
            if (start, end) in seen:
                continue
            seen.add((start, end))
            evidence.append(
                {"term": hit.term, "start": start, "end": end, "text": text.original[start:end]}
            )
            if len(evidence) >= self.taxonomy.max_evidence:
                break
        return evidence


def lead_of(document: str, words: int = LEAD_WORDS) -> str:
    """The headline and lead: the first ``words`` words of ``document``."""
    for number, match in enumerate(_WORD.finditer(document), start=1):
        if number == words:
            return document[: match.end()]
    return document


@lru_cache(maxsize=4)
def _tagger_from_source(toml_text: str, profile: tuple[tuple[str, float], ...]) -> Tagger:
    return Tagger(parse_taxonomy(toml_text), dict(profile))
