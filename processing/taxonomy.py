"""The topic taxonomy (``config/topics.toml``) parsed into compiled term groups and rules.

Parsing takes the TOML *text*; reading the file is the caller's job (processing does no I/O).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from typing import Any

from processing.errors import TaxonomyError
from processing.names import name_problem
from processing.rules import Node, RuleParser, RuleSyntaxError
from processing.textmatch import TermIndex, TermSet


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
    require_text: str = ""  # the require rule as written (explanations quote it)


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
    groups = _groups(data.get("groups", {}))
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


def _groups(specs: dict[str, Any]) -> dict[str, TermSet]:
    """Compile the term groups; a group's ``exclude`` names groups defined before or after."""
    groups: dict[str, TermSet] = {}
    for name, spec in specs.items():
        if not isinstance(spec, dict):
            raise TaxonomyError(f"group {name!r}: expected a table with terms = [...]")
    pending = dict(specs)
    while pending:
        ready = [
            name
            for name, spec in pending.items()
            if all(ex in groups for ex in spec.get("exclude", []) if ex in specs)
        ]
        if not ready:
            raise TaxonomyError(f"groups exclude each other in a circle: {sorted(pending)}")
        for name in ready:
            spec = pending.pop(name)
            unknown = [ex for ex in spec.get("exclude", []) if ex not in specs]
            if unknown:
                raise TaxonomyError(f"group {name!r}: exclude names unknown group {unknown[0]!r}")
            try:
                groups[name] = TermSet(
                    name,
                    list(spec["terms"]),
                    not_after=list(spec.get("not_after", [])),
                    not_before=list(spec.get("not_before", [])),
                    exclude=[groups[ex] for ex in spec.get("exclude", [])],
                )
            except KeyError as err:
                raise TaxonomyError(f"group {name!r}: missing {err}") from err
            except (ValueError, TypeError) as err:
                raise TaxonomyError(f"group {name!r}: {err}") from err
    return groups


def _topic(parser: RuleParser, spec: dict[str, Any]) -> Topic:
    slug = spec.get("slug")
    if not slug:
        raise TaxonomyError(f"a topic has no slug: {spec!r}")
    problem = name_problem(slug)
    if problem is not None:
        raise TaxonomyError(f"topic slug {problem}")
    rules: list[Rule] = []
    for number, raw in enumerate(spec.get("rules", []), start=1):
        rules.append(_rule(parser, slug, number, raw))
    try:
        require = parser.parse(spec["require"]) if spec.get("require") else None
    except RuleSyntaxError as err:
        raise TaxonomyError(f"topic {slug!r}, require: {err}") from err
    if not rules:
        raise TaxonomyError(f"topic {slug!r} has no rules")
    threshold = _number(spec, "threshold", 1.0, f"topic {slug!r}")
    return Topic(
        slug=slug,
        label=str(spec.get("label", slug)),
        threshold=threshold,
        rules=rules,
        require=require,
        needs_relevance=bool(spec.get("needs_relevance", True)),
        use_profile=bool(spec.get("use_profile", False)),
        require_text=" ".join(str(spec.get("require") or "").split()),
    )


def _rule(parser: RuleParser, slug: str, number: int, raw: Any) -> Rule:
    """One ``{ rule, weight, max }`` entry; errors name the topic and the rule."""
    where = f"topic {slug!r}, rule {number}"
    if not isinstance(raw, dict) or "rule" not in raw:
        raise TaxonomyError(f'{where}: expected {{ rule = "...", weight = ... }}, got {raw!r}')
    try:
        node = parser.parse(str(raw["rule"]))
    except RuleSyntaxError as err:
        raise TaxonomyError(f"{where}: {err}") from err
    weight = _number(raw, "weight", 1.0, f"{where} {raw['rule']!r}")
    max_count = int(_number(raw, "max", 1, f"{where} {raw['rule']!r}"))
    if max_count < 1:
        raise TaxonomyError(f"{where} {raw['rule']!r}: max must be at least 1")
    return Rule(text=str(raw["rule"]), node=node, weight=weight, max_count=max_count)


def _number(spec: dict[str, Any], key: str, default: float, where: str) -> float:
    """A finite number from the TOML table, or a :class:`TaxonomyError` naming key and value."""
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TaxonomyError(f"{where}: {key} = {value!r} is not a finite number")
    return float(value)
