"""An SMTP server that closes after the message's final dot without a reply may have delivered
it: the send is recorded ``unknown``, not ``failed``, and is not repeated without --force."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from typer.testing import CliRunner

from cli.main import app
from composition.settings import get_settings
from digests.mailer import SmtpSettings
from pipeline.digest import build_digest
from pipeline.digest_send import send_digest
from storage.db import make_engine, session_scope
from storage.digest_sends import list_sends, owed_days
from tests.digest_data import DAY, build
from tests.test_digest_mail import free_port

RECIPIENT = "ops@example.org"


class HangUp:
    """Takes the message, then (while ``hang_up`` is set) closes without answering."""

    def __init__(self) -> None:
        self.received = 0
        self.hang_up = True

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += 1
        if self.hang_up:
            server.transport.close()
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def hang_up_server() -> Iterator[tuple[HangUp, int]]:
    handler = HangUp()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def test_a_reply_less_close_after_the_final_dot_is_unknown_and_not_resent_without_force(
    engine: Engine, tmp_path: Path, hang_up_server: tuple[HangUp, int]
) -> None:
    handler, port = hang_up_server
    build(engine)
    result = build_digest(engine, DAY, out_dir=tmp_path)
    smtp = SmtpSettings(host="127.0.0.1", port=port, sender="newsmon@example.org", timeout=5)

    first = send_digest(engine, result, smtp, [RECIPIENT])
    assert first.failed == {} and first.sent == []
    assert "without a reply" in first.unknown[RECIPIENT]
    assert handler.received == 1
    with session_scope(engine) as session:
        sends = list_sends(session, DAY)
        assert [(s.recipient, s.status) for s in sends] == [(RECIPIENT, "unknown")]
        assert sends[0].message_id
        assert owed_days(session, [RECIPIENT], DAY, DAY.replace(day=DAY.day + 1)) == {}

    again = send_digest(engine, result, smtp, [RECIPIENT])
    assert again.still_unknown == [RECIPIENT] and handler.received == 1

    handler.hang_up = False
    forced = send_digest(engine, result, smtp, [RECIPIENT], force=True)
    assert forced.sent == [RECIPIENT] and handler.received == 2


class Stall(HangUp):
    """Takes the message, then says nothing for ``seconds`` (longer than the client waits)."""

    seconds = 3.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += 1
        await asyncio.sleep(self.seconds)
        return "250 OK"


def test_a_server_silent_after_the_message_is_unknown_and_says_it_timed_out(
    engine: Engine, tmp_path: Path
) -> None:
    handler = Stall()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    build(engine)
    result = build_digest(engine, DAY, out_dir=tmp_path)
    smtp = SmtpSettings(host="127.0.0.1", port=controller.port, timeout=1)
    try:
        report = send_digest(engine, result, smtp, [RECIPIENT, "desk@example.org"])
    finally:
        controller.stop()
    assert report.sent == [] and handler.received == 1
    assert "sent no reply within 1 s after the message" in report.unknown[RECIPIENT]
    assert "closed" not in report.unknown[RECIPIENT]
    assert list(report.failed) == ["desk@example.org"]  # the connection is gone: owed
    with session_scope(engine) as session:
        statuses = {s.recipient: s.status for s in list_sends(session, DAY)}
    assert statuses == {RECIPIENT: "unknown", "desk@example.org": "failed"}


def test_cli_exits_1_on_an_unknown_delivery_and_names_the_way_to_resolve_it(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    hang_up_server: tuple[HangUp, int],
) -> None:
    handler, port = hang_up_server
    engine = make_engine(sqlite_url)
    build(engine)
    engine.dispose()
    for key, value in {
        "NEWSMON_DATABASE_URL": sqlite_url,
        "NEWSMON_DATA_DIR": str(tmp_path / "data"),
        "NEWSMON_SMTP_HOST": "127.0.0.1",
        "NEWSMON_SMTP_PORT": str(port),
        "NEWSMON_DIGEST_TO": RECIPIENT,
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["digest", "--date", DAY.isoformat(), "--send"])
    assert result.exit_code == 1
    flat = " ".join(result.stderr.split())
    assert f"digest {DAY} to {RECIPIENT}: delivery unknown" in flat
    assert f"newsmon digest --date {DAY} --resend-unknown" in flat
    assert handler.received == 1
