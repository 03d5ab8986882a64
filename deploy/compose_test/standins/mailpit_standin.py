#!/usr/local/bin/python
"""Mailpit stand-in: SMTP on 1025 keeps every message; HTTP on 8025 lists them.

Only what the compose check uses: ``GET /api/v1/messages`` (Mailpit's shape: ``total`` and
``messages`` with ``From``, ``To``, ``Subject``), ``GET /readyz``, and ``/mailpit readyz`` as the
healthcheck command.
"""

from __future__ import annotations

import email
import email.policy
import json
import signal
import sys
import threading
import urllib.request
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SMTP_PORT = 1025
HTTP_PORT = 8025
MESSAGES: list[dict[str, Any]] = []
LOCK = threading.Lock()


class Sink:
    """aiosmtpd handler: parse and keep each message."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with LOCK:
            MESSAGES.append(
                {
                    "ID": str(len(MESSAGES) + 1),
                    "From": {"Address": envelope.mail_from},
                    "To": [{"Address": rcpt} for rcpt in envelope.rcpt_tos],
                    "Subject": str(parsed.get("Subject", "")),
                    "Created": datetime.now(UTC).isoformat(),
                    "Size": len(envelope.content),
                }
            )
        return "250 OK"


class Api(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/api/v1/messages"):
            with LOCK:
                body = {"total": len(MESSAGES), "messages": list(reversed(MESSAGES))}
            self._reply(200, json.dumps(body).encode())
        elif self.path == "/readyz":
            self._reply(200, b"ok")
        else:
            self._reply(404, b"not found")

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve() -> None:
    """Until SIGTERM or SIGINT (as PID 1 nothing else would stop it)."""
    from aiosmtpd.controller import Controller

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    smtp = Controller(Sink(), hostname="0.0.0.0", port=SMTP_PORT)
    smtp.start()
    http = ThreadingHTTPServer(("0.0.0.0", HTTP_PORT), Api)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    print(f"mailpit stand-in: SMTP on {SMTP_PORT}, HTTP on {HTTP_PORT}", flush=True)
    stop.wait()
    http.shutdown()
    smtp.stop()


def readyz() -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{HTTP_PORT}/readyz", timeout=3):
            return 0
    except OSError:
        return 1


if __name__ == "__main__":
    if sys.argv[1:] == ["readyz"]:
        sys.exit(readyz())
    serve()
