"""Stopping a run on SIGINT / SIGTERM at the next await, so the batch being stored finishes.

A store batch is one synchronous transaction, so it completes; the caller records what did not
finish as ``interrupted``. A second signal kills as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)


@contextlib.contextmanager
def stop_on(work: asyncio.Future[Any], received: list[int]) -> Iterator[None]:
    """While inside, SIGINT / SIGTERM cancel ``work`` (once) and are noted in ``received``.

    The handler is Python's own (``signal.signal``), not the event loop's: the loop reads its
    signals only between iterations, and one iteration over thousands of sources, each storing
    a little, took tens of seconds. Python runs this handler at once, between two bytecodes of
    the running step; cancelling there makes every source still queued in that iteration stop
    at its next await instead of storing first.
    """
    signals = (signal.SIGINT, signal.SIGTERM)

    def stop(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)
        for other in signals:  # a second signal kills as usual
            signal.signal(
                other, signal.default_int_handler if other == signal.SIGINT else signal.SIG_DFL
            )
        log.warning("received %s: stopping after the current batch", signal.Signals(signum).name)
        work.cancel()

    previous = {signum: signal.signal(signum, stop) for signum in signals}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
