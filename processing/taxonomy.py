"""The topic taxonomy (``config/topics.toml``) parsed into compiled term groups and rules.

Parsing takes the TOML *text*; reading the file is the caller's job (processing does no I/O).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from typing import Any

from processing.rules import Node, RuleParser, RuleSyntaxError
from processing.textmatch import TermIndex, TermSet


class TaxonomyError(ValueError):
    """The taxonomy is malformed; the message says where."""


@dataclass(slots=True)
class Rule:
    """One scoring rule: ``weight`` per distinct supporting span, at most ``max_count`` times."""

    text: str
    node: Node
    weight: float
    max_count: int = 1


@dataclass(slots=True)
class Topic:
    """A topic: it matches when ``require`` holds and the summed rule score reaches threshold."""

    slug: str
    label: str
    threshold: float
    rules: list[Rule]
    require: Node | None = None
    needs_relevance: bool = True
    use_profile: bool = False


@dataclass(slots=True)
class Taxonomy:
    """All topics, the relevance topic's slug and the tagging limits."""

    topics: list[Topic]
    relevance_topic: str
    max_chars: int = 200_000
    max_evidence: int = 12
    profile_weight: float = 0.0
    profile_min_docs: int = 2
    groups: dict[str, TermSet] = field(default_factory=dict)
    index: TermIndex = field(default_factory=lambda: TermIndex([]))
    source: str = ""  # the TOML text it was parsed from (a tagger travels to workers as that)

    @property
    def relevance(self) -> Topic:
        """The topic that decides whether an article reaches the digest."""
        return next(t for t in self.topics if t.slug == self.relevance_topic)


def parse_taxonomy(toml_text: str) -> Taxonomy:
    """Parse and compile the taxonomy; raise :class:`TaxonomyError` naming the bad part."""
    try:
        data = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as err:
        raise TaxonomyError(f"topics file is not valid TOML: {err}") from err
    groups: dict[str, TermSet] = {}
    for name, spec in data.get("groups", {}).items():
        try:
            groups[name] = TermSet(name, list(spec["terms"]), list(spec.get("not_after", [])))
        except (KeyError, ValueError, TypeError) as err:
            raise TaxonomyError(f"group {name!r}: {err}") from err
    parser = RuleParser(groups)
    topics = [_topic(parser, spec) for spec in data.get("topics", [])]
    relevance = str(data.get("relevance_topic", "belarus-russia"))
    if relevance not in {t.slug for t in topics}:
        raise TaxonomyError(f"relevance topic {relevance!r} is not defined")
    profile = data.get("profile", {})
    return Taxonomy(
        topics=topics,
        relevance_topic=relevance,
        max_chars=int(data.get("max_chars", 200_000)),
        max_evidence=int(data.get("max_evidence", 12)),
        profile_weight=float(profile.get("weight", 0.0)),
        profile_min_docs=int(profile.get("min_docs", 2)),
        groups=groups,
        # Every term set the rules use (groups and literal operands), looked up in one pass.
        index=TermIndex([*groups.values(), *parser.literals.values()]),
        source=toml_text,
    )


def _topic(parser: RuleParser, spec: dict[str, Any]) -> Topic:
    slug = spec.get("slug")
    if not slug:
        raise TaxonomyError(f"a topic has no slug: {spec!r}")
    try:
        rules = [
            Rule(
                text=r["rule"],
                node=parser.parse(r["rule"]),
                weight=_number(r, "weight", 1.0, f"topic {slug!r} rule {r.get('rule')!r}"),
                max_count=int(_number(r, "max", 1, f"topic {slug!r} rule {r.get('rule')!r}")),
            )
            for r in spec.get("rules", [])
        ]
        require = parser.parse(spec["require"]) if spec.get("require") else None
    except (RuleSyntaxError, KeyError) as err:
        raise TaxonomyError(f"topic {slug!r}: {err}") from err
    if not rules:
        raise TaxonomyError(f"topic {slug!r} has no rules")
    return Topic(
        slug=slug,
        label=str(spec.get("label", slug)),
        threshold=_number(spec, "threshold", 1.0, f"topic {slug!r}"),
        rules=rules,
        require=require,
        needs_relevance=bool(spec.get("needs_relevance", True)),
        use_profile=bool(spec.get("use_profile", False)),
    )


def _number(spec: dict[str, Any], key: str, default: float, where: str) -> float:
    """A finite number from the TOML table, or a :class:`TaxonomyError` naming key and value."""
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TaxonomyError(f"{where}: {key} = {value!r} is not a finite number")
    return float(value)
