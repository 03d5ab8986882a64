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
from typing import Any

log = logging.getLogger(__name__)


@contextlib.contextmanager
def stop_on(work: asyncio.Future[Any], received: list[int]) -> Iterator[None]:
    """While inside, SIGINT / SIGTERM cancel ``work`` (once) and are noted in ``received``."""
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)

    def stop(signum: int) -> None:
        received.append(signum)
        log.warning("received %s: stopping after the current batch", signal.Signals(signum).name)
        for other in signals:
            loop.remove_signal_handler(other)
        work.cancel()

    for signum in signals:
        loop.add_signal_handler(signum, stop, signum)
    try:
        yield
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
