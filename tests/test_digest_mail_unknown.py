"""An SMTP server that closes after the message's final dot without a reply may have delivered
it: the send is recorded ``unknown``, not ``failed``, and is not repeated without --force."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from digests.mailer import SmtpSettings
from pipeline.digest import build_digest
from pipeline.digest_send import send_digest
from storage.db import session_scope
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
    assert again.skipped == [RECIPIENT] and handler.received == 1

    handler.hang_up = False
    forced = send_digest(engine, result, smtp, [RECIPIENT], force=True)
    assert forced.sent == [RECIPIENT] and handler.received == 2
