"""A local SMTP server (aiosmtpd on 127.0.0.1) that takes its time, for delivery tests.

``SlowInbox(delay)`` holds every DATA command ``delay`` seconds before accepting it, like a
server that scans mail, and tells when a message has started arriving, so a test can send a
signal to a ``newsmon`` process while its message is in flight.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller

from tests.prefect_fixtures import free_port


class SlowInbox:
    """Accepts every message after ``delay`` seconds; ``recipients`` lists each accepted one."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.recipients: list[str] = []
        self.data_started = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_started.set()
        await asyncio.sleep(self.delay)
        self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


@contextmanager
def smtp_catcher(delay: float = 0.0) -> Iterator[tuple[SlowInbox, int]]:
    """``with smtp_catcher(2) as (inbox, port):`` a running server on 127.0.0.1:port."""
    inbox = SlowInbox(delay)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
