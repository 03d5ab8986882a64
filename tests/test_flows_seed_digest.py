"""The seed and digest flows on the Prefect test API: files, artifact, email once per day."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from prefect.client.orchestration import get_client

from composition.settings import get_settings
from flows.digest_flow import ARTIFACT_KEY, digest
from flows.seed_flow import seed
from tests.conftest import SEEDS_DIR
from tests.prefect_fixtures import free_port

pytestmark = pytest.mark.usefixtures("prefect_harness")


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@pytest.fixture
def newsmon_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str) -> Path:
    monkeypatch.setenv("NEWSMON_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEWSMON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSMON_SEEDS_DIR", str(SEEDS_DIR))
    get_settings.cache_clear()
    return tmp_path / "data"


async def _latest_artifacts() -> list[Any]:
    """The latest version of every keyed artifact."""
    async with get_client() as client:
        return list(await client.read_latest_artifacts(limit=100))


def test_seed_flow_stores_the_corpus_once(newsmon_env: Path) -> None:
    first = seed()
    again = seed()
    assert first["files"] == 5
    assert first["new"] + first["known"] == 5
    assert again["new"] == 0
    assert again["known"] + again["updated"] == 5 - again["errors"]


def test_digest_flow_writes_files_publishes_the_artifact_and_mails_once(
    newsmon_env: Path, monkeypatch: pytest.MonkeyPatch, smtp_inbox: tuple[int, Inbox]
) -> None:
    port, inbox = smtp_inbox
    monkeypatch.setenv("NEWSMON_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWSMON_SMTP_PORT", str(port))
    monkeypatch.setenv("NEWSMON_DIGEST_TO", "desk@example.org")
    get_settings.cache_clear()
    seed()
    day = date(2022, 10, 10)  # the seeds make no digest story: mailed only with allow_empty
    summary = digest(day=day, send_email=True, published=True, allow_empty=True)
    md_path = Path(str(summary["markdown_path"]))
    assert md_path.exists()
    assert md_path.parent == newsmon_env / "digests"
    assert summary["sent"] == 1
    again = digest(day=day, send_email=True, published=True, allow_empty=True)
    assert again["sent"] == 0  # once per day and recipient
    assert len(inbox.messages) == 1
    assert inbox.messages[0]["To"] == "desk@example.org"

    artifacts = asyncio.run(_latest_artifacts())
    ours = [a for a in artifacts if a.key == ARTIFACT_KEY]
    assert ours
    assert ours[0].type == "markdown"
    assert ours[0].data == md_path.read_text(encoding="utf-8")


def test_scheduled_digest_reports_the_previous_complete_day(newsmon_env: Path) -> None:
    from zoneinfo import ZoneInfo

    from digests.select import today

    yesterday = today(ZoneInfo("Europe/Amsterdam")).toordinal() - 1
    summary = digest(previous_day=True)
    assert summary["day"] == date.fromordinal(yesterday).isoformat()
    assert Path(str(summary["markdown_path"])).name == f"{summary['day']}.md"


def test_digest_flow_sends_an_earlier_day_still_owed_once_the_server_answers(
    newsmon_env: Path, monkeypatch: pytest.MonkeyPatch, smtp_inbox: tuple[int, Inbox]
) -> None:
    from flows.digest_flow import DigestNotSentError

    port, inbox = smtp_inbox
    monkeypatch.setenv("NEWSMON_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWSMON_SMTP_PORT", str(free_port()))  # nothing listens there
    monkeypatch.setenv("NEWSMON_DIGEST_TO", "desk@example.org")
    get_settings.cache_clear()
    seed()
    with pytest.raises(DigestNotSentError, match="not sent"):
        digest(day=date(2022, 10, 10), send_email=True, published=True, allow_empty=True)
    assert (newsmon_env / "digests" / "2022-10-10-published.md").exists()

    monkeypatch.setenv("NEWSMON_SMTP_PORT", str(port))
    get_settings.cache_clear()
    summary = digest(day=date(2022, 10, 11), send_email=True, published=True, allow_empty=True)
    assert summary["sent"] == 2  # the day itself and the owed 2022-10-10
    subjects = sorted(str(m["Subject"]) for m in inbox.messages)
    assert [s[:25] for s in subjects] == ["newsmon digest 2022-10-10", "newsmon digest 2022-10-11"]
