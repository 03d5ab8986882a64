"""Per-host pacing: at most one request START per host per minimum interval.

The HTTP client depends only on the :class:`HostPacer` protocol, so the in-process pacer here
can be replaced by one shared between processes (for example a lease row in the database)
without touching the client. :class:`RequestGate` is the client's side of it: the global
concurrency cap, host-wide pauses (``Retry-After``) and the final spacing of request heads.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol


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


class RequestGate:
    """When one client's requests may go out.

    ``permit`` holds one of ``max_concurrency`` global slots and starts only when the host's
    pause (if any) is over and the pacer grants a turn. A per-host lock keeps requests for one
    busy host from hoarding global slots while they wait. ``send_hook`` then spaces the moment
    each request head is written (see there). One gate belongs to one event loop.
    """

    def __init__(self, pacer: HostPacer, max_concurrency: int) -> None:
        self.pacer = pacer
        self._max_concurrency = max_concurrency
        self._slots: asyncio.Semaphore | None = None
        self._host_locks: dict[str, asyncio.Lock] = {}
        self._not_before: dict[str, float] = {}
        self._last_sent: dict[str, float] = {}

    def pause(self, host: str, seconds: float) -> None:
        """Start nothing more on ``host`` for ``seconds`` (the server asked, e.g. Retry-After)."""
        until = time.monotonic() + seconds
        self._not_before[host] = max(self._not_before.get(host, 0.0), until)

    @asynccontextmanager
    async def permit(self, host: str, interval: float) -> AsyncIterator[None]:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._max_concurrency)
        slots = self._slots
        async with self._host_locks.setdefault(host, asyncio.Lock()):
            delay = self._not_before.get(host, 0.0) - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await slots.acquire()
            try:
                await self.pacer.wait_turn(host, interval)
            except BaseException:
                slots.release()
                raise
        try:
            yield
        finally:
            slots.release()

    def send_hook(self, host: str, interval: float) -> Callable[[str, Any], Awaitable[None]]:
        """An httpcore ``trace`` hook that holds a request head until ``interval`` has passed
        since the last head this gate let out to ``host``.

        The pacer grants turns before a connection is opened or reused; a new connection or a
        busy event loop can delay one request more than the next, and the host would then see a
        shorter gap than configured. Spacing the moment the head is written closes that gap.
        """

        async def trace(event: str, info: Any) -> None:
            if not event.endswith("send_request_headers.started"):
                return
            while True:
                now = time.monotonic()
                due = self._last_sent.get(host, -math.inf) + interval
                if now >= due:
                    self._last_sent[host] = now
                    return
                await asyncio.sleep(due - now)

        return trace
