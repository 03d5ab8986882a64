"""Stopping a run on SIGINT / SIGTERM at the next await, so the batch being stored finishes.

A store batch is one synchronous transaction, so it completes; the caller records what did not
finish as ``interrupted``. From the run's start to its record, a first signal is only noted
(registering the sources and recording the run are one transaction each, never cut half-way),
and while the sources are fetched it cancels the fetching. A second signal kills as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """``with StopSignals(received) as signals:`` notes the first SIGINT / SIGTERM in
    ``received``; inside :meth:`stopping` it also cancels the work being awaited.

    The handler is Python's own (``signal.signal``), not the event loop's: the loop reads its
    signals only between iterations, and one iteration over thousands of sources, each storing
    a little, took tens of seconds. Python runs this handler at once, between two bytecodes of
    the running step; cancelling there makes every source still queued in that iteration stop
    at its next await instead of storing first. Outside the main thread it does nothing.
    """

    def __init__(self, received: list[int]) -> None:
        self.received = received
        self._work: asyncio.Future[Any] | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            self._previous = {signum: signal.signal(signum, self._stop) for signum in SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    @contextlib.contextmanager
    def stopping(self, work: asyncio.Future[Any]) -> Iterator[None]:
        """While inside, a signal cancels ``work`` (at once if one came before)."""
        self._work = work
        if self.received:
            work.cancel()
        try:
            yield
        finally:
            self._work = None

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        self.received.append(signum)
        for other in SIGNALS:  # a second signal kills as usual
            signal.signal(
                other, signal.default_int_handler if other == signal.SIGINT else signal.SIG_DFL
            )
        log.warning("received %s: stopping after the current batch", signal.Signals(signum).name)
        if self._work is not None:
            self._work.cancel()
