"""Alert delivery to a hung webhook: how long one delivery pass takes with N owed deliveries.

A local receiver reads each POST and never answers in time; every delivery times out after
``--timeout`` seconds. Before issue 23 the POSTs went one after another (N x timeout per run);
now they go side by side (WEBHOOK_CONCURRENCY at once) and end ``unknown``, so the next pass
sends nothing. Prints one JSON line: the pass's seconds, the next pass's, and the outcome.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.alert_delivery import WEBHOOK_CONCURRENCY, deliver_owed
from storage.db import make_engine, session_scope
from storage.firings import record_firing
from storage.migrate import upgrade
from tests.webhook_receiver import WebhookReceiver


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=1.0)
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        with WebhookReceiver(free_port(), delay=args.timeout * 3) as hook:
            with session_scope(engine) as session:
                for story_id in range(1, args.deliveries + 1):
                    record_firing(
                        session,
                        alert="bench",
                        story_id=story_id,
                        kind="topic",
                        met_at=now,
                        payload={"alert": "bench", "story_id": story_id},
                        targets=[("webhook", hook.url)],
                        now=now,
                    )
            with httpx.Client(timeout=args.timeout) as client:
                started = time.perf_counter()
                first = deliver_owed(engine, None, now=now, client=client)
                first_s = time.perf_counter() - started
                started = time.perf_counter()
                second = deliver_owed(engine, None, now=now, client=client)
                second_s = time.perf_counter() - started
            posts = len(hook.bodies)
        engine.dispose()
    print(
        json.dumps(
            {
                "deliveries": args.deliveries,
                "timeout_s": args.timeout,
                "concurrency": WEBHOOK_CONCURRENCY,
                "first_pass_s": round(first_s, 2),
                "next_pass_s": round(second_s, 2),
                "unknown": len(first.unknown),
                "failed": len(first.failed),
                "posts": posts,
                "posted_again": len(second.sent) + len(second.failed) + len(second.unknown),
            }
        )
    )


if __name__ == "__main__":
    main()
