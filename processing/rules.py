"""Boolean and proximity rules over term groups: ``belarus AND (russia OR poetin)``,
``legereenheid NEAR/8 gezamenlijk*``, ``sport AND NOT (troepen OR sancties)``. Operators are
upper-case; AND binds tighter than OR, NEAR/n tighter than AND::

    expr := and ("OR" and)*      and := near ("AND" near)*      near := unary ("NEAR/n" unary)*
    unary := "NOT" unary | "(" expr ")" | a group name | "a quoted term" | a pattern with *

A bare word is always a group name, and an undefined one is an error (a literal term is
quoted), so a misspelt group never silently matches a word or nothing. A rule's value is
whether it holds plus the spans that made it hold (the evidence).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from processing.textmatch import FoldedText, Hit, TermSet

_TOKEN = re.compile(r'\(|\)|"[^"]*"|[^\s()]+')
_NEAR = re.compile(r"^NEAR/(\d+)$")
_BARE_WORD = re.compile(r"^\w+$")
#: Deepest nesting of parentheses, NOT and NEAR a rule may have: rules are parsed and
#: evaluated recursively, and real rules nest two or three levels.
MAX_RULE_DEPTH = 32


class RuleSyntaxError(ValueError):
    """A rule in the taxonomy cannot be parsed (the message names the rule)."""


@dataclass(slots=True)
class RuleOutcome:
    """Whether a (sub)rule holds, and the hits that support it."""

    ok: bool
    hits: list[Hit]


HitCache = dict[str, list[Hit]]
Node = Callable[[FoldedText, HitCache], RuleOutcome]


class RuleParser:
    """Parses rule strings into closures; operands resolve to named or literal term sets."""

    def __init__(self, groups: dict[str, TermSet]) -> None:
        self.groups = groups
        self.literals: dict[str, TermSet] = {}

    def parse(self, rule: str) -> Node:
        """Compile ``rule``; raise :class:`RuleSyntaxError` with the rule text on error."""
        self._tokens = _TOKEN.findall(rule)
        self._pos = 0
        self._depth = 0
        if not self._tokens:
            raise RuleSyntaxError(f"empty rule {rule!r}")
        try:
            node = self._expr()
        except RuleSyntaxError as err:
            raise RuleSyntaxError(f"{err} in rule {rule!r}") from None
        if self._pos != len(self._tokens):
            raise RuleSyntaxError(f"unexpected {self._tokens[self._pos]!r} in rule {rule!r}")
        return node

    def _peek(self) -> str | None:
        return self._tokens[self._pos] if self._pos < len(self._tokens) else None

    def _take(self) -> str:
        token = self._peek()
        if token is None:
            raise RuleSyntaxError("rule ends too early")
        self._pos += 1
        return token

    def _expr(self) -> Node:
        parts = [self._and()]
        while self._peek() == "OR":
            self._take()
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else _any(parts)

    def _and(self) -> Node:
        parts = [self._near()]
        while self._peek() == "AND":
            self._take()
            parts.append(self._near())
        return parts[0] if len(parts) == 1 else _all(parts)

    def _near(self) -> Node:
        node = self._unary()
        chained = 0
        while (token := self._peek()) is not None and (m := _NEAR.match(token)):
            self._take()
            chained += 1  # each NEAR wraps the node before it: one level deeper
            self._enter()
            node = _near(node, self._unary(), int(m.group(1)))
        self._depth -= chained
        return node

    def _enter(self) -> None:
        """One level deeper; refused past :data:`MAX_RULE_DEPTH` (before Python's own limit)."""
        self._depth += 1
        if self._depth > MAX_RULE_DEPTH:
            raise RuleSyntaxError(f"nested deeper than {MAX_RULE_DEPTH} levels")

    def _unary(self) -> Node:
        token = self._take()
        if token == "NOT":
            self._enter()
            node = _not(self._unary())
            self._depth -= 1
            return node
        if token == "(":
            self._enter()
            node = self._expr()
            if self._take() != ")":
                raise RuleSyntaxError("missing ')'")
            self._depth -= 1
            return node
        if token in {")", "AND", "OR"} or _NEAR.match(token):
            raise RuleSyntaxError(f"operand expected, got {token!r}")
        return self._operand(token)

    def _operand(self, token: str) -> Node:
        if token in self.groups:
            return _terms(self.groups[token])
        if _BARE_WORD.match(token):
            raise RuleSyntaxError(
                f'unknown group {token!r} (write a single term in quotes: "{token}")'
            )
        pattern = token[1:-1] if token.startswith('"') else token
        key = f"literal:{pattern}"
        if key not in self.literals:
            try:
                self.literals[key] = TermSet(key, [pattern])
            except ValueError as err:
                raise RuleSyntaxError(str(err)) from None
        return _terms(self.literals[key])


def _terms(terms: TermSet) -> Node:
    def run(text: FoldedText, cache: HitCache) -> RuleOutcome:
        hits = cache.get(terms.name)
        if hits is None:
            hits = cache[terms.name] = terms.find(text)
        return RuleOutcome(bool(hits), hits)

    return run


def _any(parts: list[Node]) -> Node:
    def run(text: FoldedText, cache: HitCache) -> RuleOutcome:
        outcomes = [p(text, cache) for p in parts]
        hits = [h for o in outcomes if o.ok for h in o.hits]
        return RuleOutcome(any(o.ok for o in outcomes), hits)

    return run


def _all(parts: list[Node]) -> Node:
    def run(text: FoldedText, cache: HitCache) -> RuleOutcome:
        hits: list[Hit] = []
        for part in parts:
            outcome = part(text, cache)
            if not outcome.ok:
                return RuleOutcome(False, [])
            hits.extend(outcome.hits)
        return RuleOutcome(True, hits)

    return run


def _not(part: Node) -> Node:
    def run(text: FoldedText, cache: HitCache) -> RuleOutcome:
        return RuleOutcome(not part(text, cache).ok, [])

    return run


def _near(left: Node, right: Node, distance: int) -> Node:
    """Both sides match within ``distance`` words of each other (either order)."""

    def run(text: FoldedText, cache: HitCache) -> RuleOutcome:
        a, b = left(text, cache), right(text, cache)
        if not (a.ok and b.ok):
            return RuleOutcome(False, [])
        b_words = sorted(((text.word_index(h.start), h) for h in b.hits), key=lambda p: p[0])
        b_index = [wb for wb, _ in b_words]
        kept: dict[Hit, None] = {}
        for ha in a.hits:
            wa = text.word_index(ha.start)
            # Only the right-hand hits within the distance, found by bisection (in order).
            low = bisect_left(b_index, wa - distance)
            high = bisect_right(b_index, wa + distance, low)
            for _, hb in b_words[low:high]:
                if hb != ha:
                    kept[ha] = None
                    kept[hb] = None
        return RuleOutcome(bool(kept), list(kept))

    return run
