"""Webhook deliveries against a real local receiver, on both backends: each POST carries one
stable delivery id (header and body); a 500 is retried with the same id; a receiver that
takes the request and hangs is ``unknown``, never POSTed again by itself; deliveries to a hung
receiver run side by side, not one timeout after another."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from cli.main import app
from composition.settings import get_settings
from pipeline.alert_delivery import deliver_owed
from storage.db import session_scope
from storage.firings import recent_firings, record_firing
from tests.prefect_fixtures import free_port
from tests.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.slow

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


def fire(engine: Engine, url: str, stories: int = 1) -> None:
    with session_scope(engine) as session:
        for story_id in range(1, stories + 1):
            record_firing(
                session,
                alert="military",
                story_id=story_id,
                kind="topic",
                met_at=NOW,
                payload={"alert": "military", "story_id": story_id, "title": f"story {story_id}"},
                targets=[("webhook", url)],
                now=NOW,
            )


def states(engine: Engine) -> list[tuple[str, int]]:
    with session_scope(engine) as session:
        return [(d.status, d.attempts) for f in recent_firings(session) for d in f.deliveries]


def deliver(engine: Engine, at: datetime, timeout: float = 5.0) -> list[str]:
    with httpx.Client(timeout=timeout) as client:
        report = deliver_owed(engine, None, now=at, client=client)
    return [why for *_, why in report.failed + report.unknown]


def test_a_500_is_retried_with_the_same_delivery_id_and_then_sent(engine: Engine) -> None:
    with WebhookReceiver(free_port(), status=500) as hook:
        fire(engine, hook.url)
        assert "answered HTTP 500" in deliver(engine, NOW)[0]
        assert states(engine) == [("failed", 1)]
        hook.status = 200
        assert deliver(engine, NOW + timedelta(minutes=30)) == []
        assert deliver(engine, NOW + timedelta(minutes=60)) == []
    assert states(engine) == [("sent", 2)]
    first, second = hook.delivery_ids
    assert first and first == second  # the receiver can tell it is the same delivery
    assert [body["delivery_id"] for body in hook.bodies] == [first, first]


def test_a_receiver_that_hangs_after_the_request_is_unknown_and_not_posted_again(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with WebhookReceiver(free_port(), delay=3.0) as hook:
        fire(engine, hook.url)
        (why,) = deliver(engine, NOW, timeout=1.0)
        assert "took the request but gave no answer" in why and "ReadTimeout" in why
        assert states(engine) == [("unknown", 1)]
        assert deliver(engine, NOW + timedelta(hours=2), timeout=1.0) == []
        assert len(hook.bodies) == 1  # not sent again, however long ago
        monkeypatch.setenv("NEWSMON_DATABASE_URL", database_url)
        get_settings.cache_clear()
        reopened = CliRunner().invoke(app, ["alerts", "--resend-unknown"])  # the operator's
        assert reopened.exit_code == 0, reopened.output
        assert "1 alert deliveries with an unknown outcome are owed again" in reopened.stdout
        assert states(engine) == [("pending", 1)]
        hook.delay = 0.0
        assert deliver(engine, NOW + timedelta(hours=3)) == []
    assert states(engine) == [("sent", 2)]
    assert len(hook.bodies) == 2 and hook.delivery_ids[0] == hook.delivery_ids[1]


def test_deliveries_to_a_hung_receiver_run_side_by_side(engine: Engine) -> None:
    with WebhookReceiver(free_port(), delay=1.5) as hook:
        fire(engine, hook.url, stories=4)
        deliver(engine, NOW, timeout=1.0)
    assert hook.max_in_flight == 4  # all at once, not four timeouts one after another
    assert states(engine) == [("unknown", 1)] * 4
    assert len(set(hook.delivery_ids)) == 4
