"""Alert deliveries of a real `newsmon ingest` process, on both backends: SIGTERM while
webhooks are in flight lets them finish and be recorded (none is POSTed again by the next
run); kill -9 leaves them ``sending``, and the next run makes them ``unknown``, not a repeat."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from pipeline.alert_delivery import deliver_owed
from storage.db import session_scope
from storage.firings import recent_firings, record_firing
from tests.cli_process import FAST_FETCH, cli_env, start
from tests.prefect_fixtures import free_port
from tests.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.slow

STORIES = 3


def owe_webhooks(engine: Engine, url: str) -> None:
    """Firings from an earlier run whose webhook deliveries are still owed."""
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        for story_id in range(1, STORIES + 1):
            record_firing(
                session,
                alert="military",
                story_id=story_id,
                kind="topic",
                met_at=now,
                payload={"alert": "military", "story_id": story_id, "title": "t"},
                targets=[("webhook", url)],
                now=now,
            )


def statuses(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return [d.status for f in recent_firings(session) for d in f.deliveries]


def ingest_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    sources = tmp_path / "sources.toml"
    sources.write_text(FAST_FETCH, encoding="utf-8")  # no sources: the run goes to publishing
    return cli_env(database_url, sources, tmp_path / "data")


@pytest.mark.parametrize("kill", [signal.SIGTERM, signal.SIGKILL])
def test_a_signal_during_webhook_delivery_never_leads_to_a_second_post(
    engine: Engine, database_url: str, tmp_path: Path, kill: signal.Signals
) -> None:
    with WebhookReceiver(free_port(), status=200, delay=2.0) as hook:
        owe_webhooks(engine, hook.url)
        proc = start(ingest_env(database_url, tmp_path), "ingest")
        assert hook.received.wait(120), proc.communicate(timeout=5)
        for _ in range(100):  # until every POST is in flight (they run side by side)
            if len(hook.bodies) == STORIES:
                break
            time.sleep(0.05)
        proc.send_signal(kill)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == -kill, stderr
        assert len(hook.bodies) == STORIES  # all were in flight together
        if kill == signal.SIGTERM:
            assert statuses(engine) == ["sent"] * STORIES  # finished and recorded
        else:
            assert statuses(engine) == ["sending"] * STORIES  # the answers were lost

        later = deliver_owed(engine, None, now=datetime.now(UTC) + timedelta(hours=2))
        assert later.sent == [] and later.failed == []
        assert len(later.unknown) == (0 if kill == signal.SIGTERM else STORIES)
    assert len(hook.bodies) == STORIES  # nothing POSTed twice
    assert statuses(engine) == ["sent" if kill == signal.SIGTERM else "unknown"] * STORIES
