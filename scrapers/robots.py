"""robots.txt per RFC 9309: parsing, matching and a per-origin cache for one client's lifetime.

Status handling follows the RFC: a 4xx robots.txt ("unavailable") allows everything; a 5xx, a
run of 429s, or an unreachable host (connection error, timeout) disallows the whole host for
this run. ``urllib.robotparser`` is not used: it applies the first matching rule instead of the
longest one and knows neither ``*`` nor ``$``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

MAX_CRAWL_DELAY_S = 30.0


class RobotsResponse(Protocol):
    """What the cache needs of a fetched robots.txt (``FetchResult`` has all of it)."""

    @property
    def outcome(self) -> str: ...
    @property
    def status_code(self) -> int | None: ...
    @property
    def body(self) -> bytes | None: ...
    @property
    def error(self) -> str | None: ...


@dataclass(frozen=True)
class RobotsPolicy:
    """The rules of one origin for our user agent; ``state`` says where they came from."""

    state: str  # rules | allow_all | disallow_all | unreachable
    note: str = ""
    rules: tuple[tuple[bool, str, re.Pattern[str]], ...] = ()
    sitemaps: tuple[str, ...] = ()
    crawl_delay_s: float | None = None
    unreachable_outcome: str | None = None  # the robots fetch's outcome when unreachable

    def allows(self, url: str) -> bool:
        """Whether ``url`` (on this origin) may be fetched."""
        if self.state == "allow_all":
            return True
        if self.state != "rules":
            return False
        parts = urlsplit(url)
        path = parts.path or "/"
        if path == "/robots.txt":
            return True
        target = _normalise(path + (f"?{parts.query}" if parts.query else ""))
        best_len, allowed = -1, True
        for allow, pattern, regex in self.rules:
            if regex.match(target) and (
                len(pattern) > best_len or (len(pattern) == best_len and allow)
            ):
                best_len, allowed = len(pattern), allow
        return allowed


def parse_robots(text: str, user_agent: str) -> RobotsPolicy:
    """The policy for ``user_agent`` (its product token) from a robots.txt body."""
    token = product_token(user_agent)
    groups: list[tuple[list[str], list[tuple[bool, str]], list[float]]] = []
    sitemaps: list[str] = []
    in_agents = False
    for raw_line in text.splitlines():
        line = raw_line.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (part.strip() for part in line.split(":", 1))
        key = key.lower()
        if key == "sitemap":
            if value:
                sitemaps.append(value)
            continue
        if key in ("user-agent", "useragent"):
            if not in_agents:
                groups.append(([], [], []))
                in_agents = True
            groups[-1][0].append(value.lower())
            continue
        if not groups:
            continue
        in_agents = False
        if key in ("allow", "disallow") and value:
            groups[-1][1].append((key == "allow", value))
        elif key == "crawl-delay" and re.fullmatch(r"\d+(\.\d+)?", value):
            groups[-1][2].append(float(value))
    mine = [g for g in groups if token in g[0]] or [g for g in groups if "*" in g[0]]
    rules = [(allow, pattern, _compile(pattern)) for g in mine for allow, pattern in g[1]]
    delays = [delay for g in mine for delay in g[2] if delay >= 0]
    return RobotsPolicy(
        state="rules",
        rules=tuple(rules),
        sitemaps=tuple(sitemaps),
        crawl_delay_s=min(max(delays), MAX_CRAWL_DELAY_S) if delays else None,
    )


def product_token(user_agent: str) -> str:
    """``newsmon/0.1 (+https://…)`` → ``newsmon``: what robots.txt groups are matched against."""
    found = re.match(r"[A-Za-z_-]+", user_agent.strip())
    return found.group(0).lower() if found else "*"


def _normalise(path: str) -> str:
    return unquote(path)


def _compile(pattern: str) -> re.Pattern[str]:
    anchored = pattern.endswith("$")
    body = _normalise(pattern[:-1] if anchored else pattern)
    regex = ".*".join(re.escape(piece) for piece in body.split("*"))
    return re.compile(regex + ("$" if anchored else ""), re.DOTALL)


def policy_from_response(response: RobotsResponse, user_agent: str) -> RobotsPolicy:
    """Turn the fetch of ``/robots.txt`` into a policy (RFC 9309 section 2.3.1)."""
    status = response.status_code
    if response.outcome == "ok" and response.body is not None:
        return parse_robots(response.body.decode("utf-8", errors="replace"), user_agent)
    if response.outcome in ("timeout", "connect_error"):
        return RobotsPolicy(
            state="unreachable",
            note=f"robots.txt unreachable: {response.error or response.outcome}",
            unreachable_outcome=response.outcome,
        )
    if status is not None and (status >= 500 or status == 429):
        return RobotsPolicy(state="disallow_all", note=f"robots.txt answered {status}")
    # 4xx, redirect trouble (too many, off-host), oversized: "unavailable" -> allowed.
    return RobotsPolicy(state="allow_all", note=f"robots.txt unavailable ({response.outcome})")


@dataclass
class RobotsCache:
    """Fetches each origin's robots.txt once and remembers the policy.

    ``fetch`` gets the robots.txt URL and returns a :class:`RobotsResponse`; concurrent callers
    for the same origin share one fetch.
    """

    user_agent: str
    fetch: Callable[[str], Awaitable[RobotsResponse]]
    _policies: dict[str, RobotsPolicy] = field(default_factory=dict)
    _pending: dict[str, asyncio.Future[RobotsPolicy]] = field(default_factory=dict)

    async def policy_for(self, url: str) -> RobotsPolicy:
        """The policy of the origin (scheme, host, port) that ``url`` belongs to."""
        origin = origin_of(url)
        cached = self._policies.get(origin)
        if cached is not None:
            return cached
        task = self._pending.get(origin)
        if task is None:
            # A task of its own: a cancelled caller must not cancel the fetch others wait for.
            task = asyncio.ensure_future(self._load(origin))
            self._pending[origin] = task
        return await asyncio.shield(task)

    async def _load(self, origin: str) -> RobotsPolicy:
        try:
            response = await self.fetch(origin + "/robots.txt")
            policy = policy_from_response(response, self.user_agent)
            if policy.state != "rules":
                logger.info("%s: %s", origin, policy.note)
            self._policies[origin] = policy
            return policy
        finally:
            self._pending.pop(origin, None)


def origin_of(url: str) -> str:
    """``https://nos.nl:443/a?b`` → ``https://nos.nl`` (default ports dropped)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"
