"""Why an article was (not) tagged: per topic, the rules that held with their spans, and for a
rejected article the rule that failed (the ``require`` rule, or a score under the threshold).

The analyst's view behind ``newsmon articles show`` and ``newsmon rules test``: the same rules
the tagger runs, evaluated one by one on the same folded text, so the lines name exactly the
words that decided. Pure: text in, lines out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from processing.rules import HitCache
from processing.tagging import Tagger, TagResult
from processing.taxonomy import Topic
from processing.textmatch import FoldedText, fold_with_offsets

MAX_SPANS = 6


@dataclass(slots=True)
class RuleTrace:
    """One rule of a topic on one text: whether it held, what it added and on which words."""

    number: int  # 1-based, as in error messages and ``rules test``
    text: str
    held: bool
    points: float
    spans: list[str] = field(default_factory=list)


@dataclass(slots=True)
class TopicTrace:
    """One topic on one text: its verdict, and the rules behind it."""

    slug: str
    label: str
    threshold: float
    verdict: str  # "relevant", "primary", "matched", "not relevant", "not matched"
    score: float
    require: str = ""
    require_held: bool | None = None  # None: the topic has no require rule
    rules: list[RuleTrace] = field(default_factory=list)


def explain(tagger: Tagger, document: str) -> list[TopicTrace]:
    """Per topic the verdict and the rules: the relevance topic always; on a relevant article
    also every subtopic that matched or had a rule hold (a near miss)."""
    result = tagger.tag(document)
    taxonomy = tagger.taxonomy
    text = taxonomy.index.prepare(fold_with_offsets(document[: taxonomy.max_chars]))
    cache: HitCache = {}
    matched = {t.slug: t.score for t in result.topics}
    traces: list[TopicTrace] = []
    for topic in taxonomy.topics:
        if topic is not taxonomy.relevance and not result.relevant:
            continue
        trace = _trace(topic, text, cache)
        if topic is not taxonomy.relevance and topic.slug not in matched:
            if any(r.held for r in trace.rules):  # close calls: what held, what it lacked
                traces.append(trace)
            continue
        if topic is taxonomy.relevance:
            if topic.use_profile and trace.require_held is not False and result.score:
                bonus = taxonomy.profile_weight * result.profile_similarity
                trace.rules.append(RuleTrace(0, "seed profile (cosine)", True, bonus))
            trace.score = result.score
            trace.verdict = "relevant" if result.relevant else "not relevant"
        else:
            trace.score = matched[topic.slug]
            trace.verdict = "primary" if topic.slug == result.primary else "matched"
        traces.append(trace)
    return traces


def _trace(topic: Topic, text: FoldedText, cache: HitCache) -> TopicTrace:
    trace = TopicTrace(topic.slug, topic.label, topic.threshold, "not matched", 0.0)
    if topic.require is not None:
        trace.require = topic.require_text
        trace.require_held = topic.require(text, cache).ok
    for number, rule in enumerate(topic.rules, start=1):
        outcome = rule.node(text, cache)
        spans: dict[tuple[int, int], None] = {}
        for hit in sorted(outcome.hits, key=lambda h: (h.start, h.end)):
            spans[text.span(hit.start, hit.end)] = None
        points = rule.weight * min(len(spans) or 1, rule.max_count) if outcome.ok else 0.0
        words = [text.original[start:end] for start, end in spans]
        trace.rules.append(RuleTrace(number, rule.text, outcome.ok, points, words))
    if trace.require_held is not False:
        trace.score = sum(r.points for r in trace.rules)
    return trace


def explanation_lines(traces: list[TopicTrace]) -> list[str]:
    """Plain lines: a verdict line per topic, then ``+``/``-`` lines for the rules that held
    (with their words) and, for a rejected relevance topic, the rule that failed."""
    lines: list[str] = []
    for trace in traces:
        lines.append(f"{trace.slug}: {trace.verdict} — {_verdict_detail(trace)}")
        if trace.require_held is False:
            lines.append(f"  ✗ require failed: {trace.require}")
            continue
        for rule in trace.rules:
            if rule.held and rule.points:
                words = ", ".join(dict.fromkeys(rule.spans[:MAX_SPANS])) or "(no words)"
                sign = "+" if rule.points > 0 else "-"
                name = f"#{rule.number} {rule.text}" if rule.number else rule.text
                lines.append(f"  {sign} {name} ({rule.points:+.2f}): {words}")
        if trace.verdict in {"not relevant", "not matched"}:
            missing = [f"#{r.number}" for r in trace.rules if r.number and not r.held]
            lines.append(
                f"  ✗ score {trace.score:.2f} < threshold {trace.threshold:g}; "
                f"rules that did not hold: {' '.join(missing) or 'none'}"
            )
    return lines


def _verdict_detail(trace: TopicTrace) -> str:
    if trace.require_held is False:
        return "its require rule does not hold"
    if trace.verdict in {"primary", "matched"}:
        return f"strength {trace.score:.2f} (1.0 = its threshold)"
    comparison = "≥" if trace.score >= trace.threshold else "<"
    return f"score {trace.score:.2f} {comparison} threshold {trace.threshold:g}"


def primary_line(result: TagResult) -> str:
    """One line naming the article's primary subtopic (or why there is none)."""
    if not result.relevant:
        return "primary: none (not relevant)"
    if result.primary is None:
        return "primary: none (no subtopic leads by the margin)"
    return f"primary: {result.primary}"
