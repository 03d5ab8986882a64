"""Secrets in configured URLs never leave: one masking function for logs, tables, ``--json``,
stored errors and what the flows report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from cli.common import configure_logging
from cli.main import app
from composition.settings import get_settings
from pipeline.ingest.publish import publish_after_ingest
from processing.alerts import parse_alerts
from storage.masking import mask_secrets, mask_url
from tests.alert_data import NOW, build
from tests.conftest import REPO_ROOT
from tests.prefect_fixtures import free_port
from tests.webhook_receiver import WebhookReceiver

PASSWORD, TOKEN = "hunter2pw", "s3cr3t-t0ken"
runner = CliRunner()


def secret_hook(port: int) -> str:
    return f"http://user:{PASSWORD}@127.0.0.1:{port}/hook?token={TOKEN}"


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (
            f"http://user:{PASSWORD}@host/hook?token={TOKEN}&v=2",
            "http://user:***@host/hook?token=***&v=***",
        ),
        (
            f"postgresql+psycopg://newsmon:{PASSWORD}@db:5432/n",
            "postgresql+psycopg://newsmon:***@db:5432/n",
        ),
        (
            f"smtp://mailer:{PASSWORD}@mail.example.org:587",
            "smtp://mailer:***@mail.example.org:587",
        ),
        (
            f"https://{TOKEN}@feeds.example.org/rss?key={TOKEN}",
            "https://***@feeds.example.org/rss?key=***",
        ),
        ("https://nos.nl/artikel/1-x", "https://nos.nl/artikel/1-x"),
        ("sqlite:////tmp/newsmon.db", "sqlite:////tmp/newsmon.db"),
    ],
)
def test_every_kind_of_configured_url_is_masked(url: str, masked: str) -> None:
    assert mask_url(url) == masked
    assert mask_secrets(f"failed on '{url}'.") == f"failed on '{masked}'."


def leaked(value: str) -> bool:
    return PASSWORD in value or TOKEN in value


@pytest.mark.slow
def test_a_failing_secret_webhook_leaks_nowhere(
    engine: Engine,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    build(engine)
    port = free_port()
    alerts = tmp_path / "alerts.toml"
    alerts.write_text(
        '[[alerts]]\nname = "military"\ntopic = "military-cooperation"\n'
        f'webhook_url = "{secret_hook(port)}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("NEWSMON_DATABASE_URL", database_url)
    monkeypatch.setenv("NEWSMON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSMON_TOPICS_FILE", str(REPO_ROOT / "config" / "topics.toml"))
    monkeypatch.setenv("NEWSMON_ALERTS_FILE", str(alerts))
    get_settings.cache_clear()
    configure_logging(0)
    with WebhookReceiver(port, status=500) as hook:
        report = publish_after_ingest(
            engine,
            data_dir=tmp_path / "data",
            topics={"belarus-russia": "B"},
            relevance_topic="belarus-russia",
            alerts=parse_alerts(alerts.read_text(encoding="utf-8")),
            now=NOW,
        )
    assert len(hook.bodies) == 1  # it really was sent to the secret URL
    assert report.failed and not any(leaked(line) for line in report.failed)
    logged = capsys.readouterr().err
    assert "military" in logged and "500" in logged and not leaked(logged)

    with engine.connect() as connection:
        errors = connection.execute(text("SELECT error FROM alert_deliveries")).scalars().all()
    assert errors and all(error and "500" in error and not leaked(error) for error in errors)

    listed = runner.invoke(app, ["alerts", "--json"])
    assert listed.exit_code == 0, listed.output
    (record,) = [json.loads(line) for line in listed.stdout.splitlines()]
    (delivery,) = record["deliveries"]
    assert delivery["target"] == f"http://user:***@127.0.0.1:{port}/hook?token=***"
    assert "500" in delivery["error"] and not leaked(listed.stdout)
    table = runner.invoke(app, ["alerts"])
    assert table.exit_code == 0 and "military" in table.output and not leaked(table.output)


def test_stored_fetch_errors_are_masked(engine: Engine) -> None:
    from storage.db import session_scope
    from storage.models import FetchLog

    with session_scope(engine) as session:
        session.add(
            FetchLog(
                url="https://feeds.example.org/rss",
                outcome="http_error",
                error=f"HTTP 401 for url 'https://u:{PASSWORD}@feeds.example.org/rss?key={TOKEN}'",
            )
        )
    with engine.connect() as connection:
        (stored,) = connection.execute(text("SELECT error FROM fetch_log")).scalars().all()
    assert stored == "HTTP 401 for url 'https://u:***@feeds.example.org/rss?key=***'"
