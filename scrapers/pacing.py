"""Per-host pacing: at most one request START per host per minimum interval.

The HTTP client depends only on the :class:`HostPacer` protocol, so the in-process pacer here
can be replaced by one shared between processes (for example a lease row in the database)
without touching the client.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from typing import Protocol


class HostPacer(Protocol):
    """Decides when the next request to a host may start."""

    async def wait_turn(self, host: str, min_interval_s: float) -> None:
        """Return when a request to ``host`` may start now.

        Returning means the caller starts its request immediately; the next caller for the same
        host returns no earlier than ``min_interval_s`` later.
        """
        ...


class InProcessPacer:
    """Spaces request starts per host within one process (any event loop, any task).

    The next start is counted from the moment a turn is actually granted, not from a planned
    slot, so a waiter that wakes late never shortens the gap to the one after it. No lock is
    held: check-and-set runs without an ``await`` in between.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._next_start: dict[str, float] = {}

    async def wait_turn(self, host: str, min_interval_s: float) -> None:
        while True:
            now = self._clock()
            next_start = self._next_start.get(host, -math.inf)
            if now >= next_start:
                self._next_start[host] = now + max(min_interval_s, 0.0)
                return
            await self._sleep(next_start - now)
