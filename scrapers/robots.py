"""robots.txt per RFC 9309: policy from a fetch, matching through protego, a per-origin cache.

Status handling follows the RFC: a 4xx robots.txt ("unavailable") allows everything; a 5xx, a
run of 429s, or an unreachable host (connection error, timeout) disallows the whole host for
this run. A robots.txt over :data:`ROBOTS_MAX_BYTES` is obeyed up to that size (RFC 9309 2.5),
its cut last line dropped. Matching (groups, longest match, ``*`` and ``$``) is protego's, the
parser Scrapy uses; ``urllib.robotparser`` applies the first matching rule instead of the
longest one and knows neither ``*`` nor ``$``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from protego import Protego

logger = logging.getLogger(__name__)

MAX_CRAWL_DELAY_S = 30.0
#: How much of a robots.txt is read and obeyed: 500 KiB, the RFC 9309 minimum.
ROBOTS_MAX_BYTES = 500 * 1024


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
    @property
    def n_bytes(self) -> int: ...


@dataclass(frozen=True)
class RobotsPolicy:
    """The rules of one origin for our user agent; ``state`` says where they came from."""

    state: str  # rules | allow_all | disallow_all | unreachable
    note: str = ""
    parser: Protego | None = field(default=None, compare=False, repr=False)
    agent: str = "*"  # our product token, what ``parser`` matches groups against
    sitemaps: tuple[str, ...] = ()
    crawl_delay_s: float | None = None
    unreachable_outcome: str | None = None  # the robots fetch's outcome when unreachable

    def allows(self, url: str) -> bool:
        """Whether ``url`` (on this origin) may be fetched."""
        if self.state == "allow_all":
            return True
        if self.state != "rules" or self.parser is None:
            return False
        return self.parser.can_fetch(url, self.agent)


def parse_robots(text: str, user_agent: str) -> RobotsPolicy:
    """The policy for ``user_agent`` (its product token) from a robots.txt body."""
    token = product_token(user_agent)
    parser = Protego.parse(text)
    delay = parser.crawl_delay(token)
    return RobotsPolicy(
        state="rules",
        parser=parser,
        agent=token,
        sitemaps=tuple(parser.sitemaps),
        crawl_delay_s=min(delay, MAX_CRAWL_DELAY_S) if delay is not None else None,
    )


def product_token(user_agent: str) -> str:
    """``newsmon/0.1 (+https://…)`` → ``newsmon``: what robots.txt groups are matched against.

    Only the token goes to the parser: the full header's URL would match other groups.
    """
    found = re.match(r"[A-Za-z_-]+", user_agent.strip())
    return found.group(0).lower() if found else "*"


def policy_from_response(response: RobotsResponse, user_agent: str) -> RobotsPolicy:
    """Turn the fetch of ``/robots.txt`` into a policy (RFC 9309 section 2.3.1)."""
    status = response.status_code
    if response.outcome == "ok" and response.body is not None:
        body = response.body
        if response.n_bytes > len(body):  # cut at the size cap: drop the partial last line
            body = body[: body.rfind(b"\n") + 1]
        return parse_robots(body.decode("utf-8", errors="replace"), user_agent)
    if response.outcome in ("timeout", "connect_error"):
        return RobotsPolicy(
            state="unreachable",
            note=f"robots.txt unreachable: {response.error or response.outcome}",
            unreachable_outcome=response.outcome,
        )
    if status is not None and (status >= 500 or status == 429):
        return RobotsPolicy(state="disallow_all", note=f"robots.txt answered {status}")
    # 4xx, redirect trouble (too many, off-host): "unavailable" -> allowed.
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
