"""Holding SIGINT / SIGTERM while messages go out, so the one in flight finishes and is recorded.

A send loop checks :attr:`SignalHold.received` between messages and stops; a second signal
acts as it would have without the hold. Outside the main thread (a Prefect worker thread)
handlers cannot be installed, and the hold does nothing.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)

HELD = (signal.SIGINT, signal.SIGTERM)


class SignalHold:
    """``with SignalHold() as hold:`` notes the first SIGINT / SIGTERM in ``hold.received``.

    With ``pass_on`` the noted signal is raised again when the block ends, so a caller that
    knows nothing of the hold (the ingest command) still stops as the signal asks.
    """

    def __init__(self, *, pass_on: bool = False) -> None:
        self.pass_on = pass_on
        self.received: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> SignalHold:
        if threading.current_thread() is not threading.main_thread():
            return self
        for signum in HELD:
            self._previous[signum] = signal.signal(signum, self._note)
        return self

    def _note(self, signum: int, frame: FrameType | None) -> None:
        if self.received is not None:  # the second one: as without the hold
            self._restore()
            signal.raise_signal(signum)
            return
        self.received = signum
        log.warning(
            "received %s: stopping after the message in flight", signal.Signals(signum).name
        )

    def _restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def __exit__(self, *exc: object) -> None:
        self._restore()
        if self.pass_on and self.received is not None and exc[0] is None:
            signal.raise_signal(self.received)
