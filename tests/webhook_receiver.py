"""A local webhook receiver on 127.0.0.1: keeps every JSON body POSTed to it.

Bind it to a port chosen in advance (``free_port``) so a test can point an alert at a receiver
that is not running yet ("down": connection refused) and start it later on the same address.
``delay`` makes it hang after reading a request, before answering (a slow or hung receiver);
``status`` is the answer, and may be changed between runs.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class WebhookReceiver:
    """``with WebhookReceiver(port) as hook:`` serves until the block ends; ``hook.bodies``."""

    def __init__(self, port: int, status: int = 204, delay: float = 0.0) -> None:
        self.port = port
        self.status = status
        self.delay = delay
        self.bodies: list[dict[str, Any]] = []
        self.content_types: list[str] = []
        self.delivery_ids: list[str | None] = []  # the webhook-id header of each request
        self.received = threading.Event()  # set once a request has been read whole
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests read and not yet answered at once
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/newsmon"

    def __enter__(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.content_types.append(self.headers.get("Content-Type", ""))
                    receiver.delivery_ids.append(self.headers.get("webhook-id"))
                    receiver.bodies.append(json.loads(body))
                    receiver.in_flight += 1
                    receiver.max_in_flight = max(receiver.max_in_flight, receiver.in_flight)
                receiver.received.set()
                time.sleep(receiver.delay)
                with receiver._lock:
                    receiver.in_flight -= 1
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
