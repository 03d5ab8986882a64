"""Alerts fire once per (alert, story) and reach a real SMTP server and a local webhook; a
second run with nothing new sends nothing; a webhook that is down gets the alert next run, once.
Both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from digests.mailer import SmtpSettings
from pipeline.ingest.publish import PublishReport, publish_after_ingest
from processing.alerts import AlertsConfig, parse_alerts
from processing.temporal import NEWSROOM_TZ
from storage.db import session_scope
from storage.firings import recent_firings
from tests.alert_data import NOW, add_article, build
from tests.test_digest_mail import SmtpServer, free_port
from tests.webhook_receiver import WebhookReceiver

TOPICS = {"belarus-russia": "Belarus–Russia relations", "military-cooperation": "Military"}


def alerts_for(hook_url: str) -> AlertsConfig:
    return parse_alerts(
        f"""
[[alerts]]
name = "military"
topic = "military-cooperation"
email_to = ["desk@example.org"]
webhook_url = "{hook_url}"

[[alerts]]
name = "breaking"
breaking = {{ outlets = 3, hours = 6 }}
webhook_url = "{hook_url}"

[[alerts]]
name = "nuclear"
topic = "nuclear-weapons"
email_to = ["desk@example.org"]
"""
    )


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer(free_port()) as server:
        yield server


def publish(
    engine: Engine, tmp_path: Path, alerts: AlertsConfig, smtp: SmtpServer, **kw: object
) -> PublishReport:
    settings = SmtpSettings(host="127.0.0.1", port=smtp.port, sender="newsmon@example.org")
    return publish_after_ingest(
        engine,
        data_dir=tmp_path,
        topics=TOPICS,
        relevance_topic="belarus-russia",
        alerts=alerts,
        smtp=settings,
        now=kw.pop("now", NOW),  # type: ignore[arg-type]
    )


def test_each_matching_story_alerts_once_by_email_and_webhook(
    engine: Engine, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    ids = build(engine)
    with WebhookReceiver(free_port()) as hook:
        alerts = alerts_for(hook.url)
        report = publish(engine, tmp_path, alerts, smtp_server)
        assert (report.fired, report.sent, report.failed) == (3, 4, [])

        posted = sorted((b["alert"], b["story_id"]) for b in hook.bodies)
        assert posted == sorted([("military", ids["army"]), ("breaking", ids["army"])])
        assert set(hook.content_types) == {"application/json"}
        army = next(b for b in hook.bodies if b["alert"] == "breaking")
        assert army["title"] == "Rusland en Belarus vormen gezamenlijke legereenheid"
        assert army["url"] == "https://nos.nl/artikel/1-legereenheid"
        assert army["outlets"] == ["nos.nl", "nu.nl", "rtl.nl"]
        assert army["topics"] == ["belarus-russia", "military-cooperation"]
        assert [a["outlet"] for a in army["articles"]] == ["nos.nl", "nu.nl", "rtl.nl"]
        assert army["articles"][0]["published_at"] == (NOW - timedelta(hours=4)).isoformat()
        assert set(army) == {
            "alert",
            "story_id",
            "title",
            "url",
            "topics",
            "outlets",
            "articles",
            "delivery_id",
        }

        subjects = sorted(" ".join(str(m["Subject"]).split()) for m in smtp_server.inbox.messages)
        assert subjects == [
            "newsmon alert military: Rusland en Belarus vormen gezamenlijke legereenheid",
            "newsmon alert nuclear: Kernwapens naar Belarus",
        ]
        assert all(to == ["desk@example.org"] for _, to in smtp_server.inbox.envelopes)
        # The email reads the newsroom's local time with its offset; the webhook keeps UTC ISO.
        local = (NOW - timedelta(hours=4)).astimezone(NEWSROOM_TZ)
        shown = f"{local:%Y-%m-%d %H:%M} {local.isoformat()[-6:]}"
        bodies = [m.get_body(("plain",)).get_content() for m in smtp_server.inbox.messages]
        assert any(shown in body for body in bodies), bodies

        # Nothing new: nothing fires, nothing is sent.
        again = publish(engine, tmp_path, alerts, smtp_server, now=NOW + timedelta(minutes=30))
        assert (again.fired, again.sent, again.failed) == (0, 0, [])
        # A new article in an alerted story does not alert that story again.
        add_article(
            engine,
            story_id=ids["army"],
            url="https://www.nrc.nl/4-leger",
            title="Ook NRC meldt de legereenheid",
            topics=("military-cooperation",),
            published_at=NOW,
            first_seen_at=NOW + timedelta(minutes=40),
        )
        third = publish(engine, tmp_path, alerts, smtp_server, now=NOW + timedelta(hours=1))
        assert (third.fired, third.sent) == (0, 0)
        assert len(hook.bodies) == 2 and len(smtp_server.inbox.messages) == 2


def test_a_webhook_that_is_down_gets_the_alert_on_the_next_run_once(
    engine: Engine, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    ids = build(engine)
    hook = WebhookReceiver(free_port())  # not started: connection refused
    alerts = parse_alerts(
        f'[[alerts]]\nname = "breaking"\nbreaking = {{ outlets = 3, hours = 6 }}\n'
        f'webhook_url = "{hook.url}"\n'
    )
    first = publish(engine, tmp_path, alerts, smtp_server)
    assert (first.fired, first.sent) == (1, 0)
    assert len(first.failed) == 1 and "unreachable" in first.failed[0]
    with session_scope(engine) as session:
        (firing,) = recent_firings(session)
    (delivery,) = firing.deliveries
    assert (firing.story_id, delivery.status, delivery.attempts) == (ids["army"], "failed", 1)
    assert delivery.error and "ConnectError" in delivery.error

    with hook:
        second = publish(engine, tmp_path, alerts, smtp_server, now=NOW + timedelta(minutes=30))
        third = publish(engine, tmp_path, alerts, smtp_server, now=NOW + timedelta(minutes=60))
    assert (second.fired, second.sent, second.failed) == (0, 1, [])
    assert (third.fired, third.sent, third.failed) == (0, 0, [])
    assert [(b["alert"], b["story_id"]) for b in hook.bodies] == [("breaking", ids["army"])]
    with session_scope(engine) as session:
        (firing,) = recent_firings(session)
    (delivery,) = firing.deliveries
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert delivery.sent_at == NOW + timedelta(minutes=30)


def test_old_and_seed_articles_never_alert(
    engine: Engine, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    ids = build(engine)
    with WebhookReceiver(free_port()) as hook:
        publish(engine, tmp_path, alerts_for(hook.url), smtp_server)
    alerted = {b["story_id"] for b in hook.bodies}
    assert ids["archive"] not in alerted and ids["seed"] not in alerted
