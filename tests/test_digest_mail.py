"""The digest email against a real SMTP server (aiosmtpd on loopback): content, once per
recipient, --force, and the server-down path through the CLI."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import Engine
from typer.testing import CliRunner

from cli.main import app
from composition.settings import get_settings
from digests.mailer import MailError, SmtpSettings, send_messages
from pipeline.digest import build_digest
from pipeline.digest_send import send_digest
from storage.db import make_engine, session_scope
from storage.digest_sends import list_sends
from tests.digest_data import DAY, HOSTILE_TITLE, build

RECIPIENTS = ["ops@example.org", "desk@example.org"]


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer(free_port()) as server:
        yield server


def test_email_has_both_parts_links_counts_and_escaped_title(
    sqlite_engine: Engine, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    build(sqlite_engine)
    result = build_digest(sqlite_engine, DAY, out_dir=tmp_path)
    smtp = SmtpSettings(host="127.0.0.1", port=smtp_server.port, sender="newsmon@example.org")
    report = send_digest(sqlite_engine, result, smtp, RECIPIENTS)
    assert (report.sent, report.failed) == (RECIPIENTS, {})

    inbox = smtp_server.inbox
    assert [to for _, to in inbox.envelopes] == [[r] for r in RECIPIENTS]
    message = inbox.messages[0]
    assert message["Subject"] == "newsmon digest 2026-03-10 — 4 stories"
    assert message["From"] == "newsmon@example.org"
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    plain = message.get_body(("plain",))
    rich = message.get_body(("html",))
    assert plain is not None and rich is not None
    text, page = plain.get_content(), rich.get_content()

    assert "4 stories, 6 articles" in text and "4 stories, 6 articles" in page
    assert "https://nos.nl/artikel/1-legereenheid" in text
    assert '<a href="https://nos.nl/artikel/1-legereenheid">' in page
    assert "2 other outlets, 1 near-duplicate" in page
    assert "nu-feed" in page and "nu-feed" in text
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert HOSTILE_TITLE in text  # plain text shows the title as it is

    with session_scope(sqlite_engine) as session:
        sends = list_sends(session, DAY)
    assert [(s.recipient, s.status) for s in sends] == [(r, "sent") for r in RECIPIENTS]
    assert all(s.message_id and s.subject == result.subject for s in sends)


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str, tmp_path: Path
) -> Iterator[dict[str, Any]]:
    """The CLI pointed at a migrated database holding the fixed data set."""
    engine = make_engine(sqlite_url)
    build(engine)
    monkeypatch.setenv("NEWSMON_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEWSMON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSMON_DIGEST_TO", ", ".join(RECIPIENTS))
    monkeypatch.setenv("NEWSMON_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWSMON_SMTP_FROM", "newsmon@example.org")
    get_settings.cache_clear()
    yield {"engine": engine, "data": tmp_path / "data", "monkeypatch": monkeypatch}
    engine.dispose()


def run_cli(*args: str) -> Any:
    get_settings.cache_clear()
    return CliRunner().invoke(app, list(args))


def flat(text: str) -> str:
    return " ".join(text.split())


def test_cli_sends_once_per_recipient_unless_forced(
    cli_env: dict[str, Any], smtp_server: SmtpServer
) -> None:
    cli_env["monkeypatch"].setenv("NEWSMON_SMTP_PORT", str(smtp_server.port))
    first = run_cli("digest", "--date", "2026-03-10", "--send")
    assert first.exit_code == 0, first.output
    md_path = cli_env["data"] / "digests" / "2026-03-10.md"
    assert first.stdout.strip() == str(md_path)
    assert md_path.exists() and md_path.with_suffix(".html").exists()
    assert len(smtp_server.inbox.messages) == 2

    second = run_cli("digest", "--date", "2026-03-10", "--send")
    assert second.exit_code == 0, second.output
    assert len(smtp_server.inbox.messages) == 2  # nothing new
    assert "already sent to ops@example.org" in flat(second.stderr)

    forced = run_cli("digest", "--date", "2026-03-10", "--force")
    assert forced.exit_code == 0, forced.output
    assert len(smtp_server.inbox.messages) == 4
    with session_scope(cli_env["engine"]) as session:
        sends = list_sends(session, DAY)
    assert [s.status for s in sends] == ["sent"] * 4
    assert sorted(s.recipient for s in sends) == sorted(RECIPIENTS * 2)


def test_cli_server_down_writes_files_records_and_later_sends_what_is_owed(
    cli_env: dict[str, Any],
) -> None:
    port = free_port()  # nothing listens here yet
    cli_env["monkeypatch"].setenv("NEWSMON_SMTP_PORT", str(port))
    down = run_cli("digest", "--date", "2026-03-10", "--send")
    assert down.exit_code == 1
    message = flat(down.stderr)
    assert "not sent to 2 of 2 recipient(s)" in message
    assert f"cannot connect to SMTP server 127.0.0.1:{port}" in message
    assert (cli_env["data"] / "digests" / "2026-03-10.md").exists()
    assert (cli_env["data"] / "digests" / "2026-03-10.html").exists()
    with session_scope(cli_env["engine"]) as session:
        sends = list_sends(session, DAY)
    assert [(s.status, bool(s.error)) for s in sends] == [("failed", True)] * 2

    with SmtpServer(port) as server:
        later = run_cli("digest", "--date", "2026-03-10", "--send")
        assert later.exit_code == 0, later.output
        assert sorted(to[0] for _, to in server.inbox.envelopes) == sorted(RECIPIENTS)
        again = run_cli("digest", "--date", "2026-03-10", "--send")
        assert again.exit_code == 0
        assert len(server.inbox.messages) == 2


def test_cli_send_without_smtp_host_is_a_clear_error(cli_env: dict[str, Any]) -> None:
    cli_env["monkeypatch"].delenv("NEWSMON_SMTP_HOST")
    result = run_cli("digest", "--date", "2026-03-10", "--send")
    assert result.exit_code == 1
    assert "NEWSMON_SMTP_HOST is not set" in flat(result.stderr)
    assert (cli_env["data"] / "digests" / "2026-03-10.md").exists()


def test_cli_rejects_a_bad_date(cli_env: dict[str, Any]) -> None:
    result = run_cli("digest", "--date", "10-03-2026")
    assert result.exit_code == 2  # a usage error (issue 26: exit 2 everywhere)
    assert "use YYYY-MM-DD" in flat(result.stderr)


class RefusingInbox(Inbox):
    """Refuses one recipient at RCPT time, accepts the others."""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address == "gone@example.org":
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"u", b"secret")
    return AuthResult(success=ok, handled=False)


def test_refused_recipient_fails_alone(sqlite_engine: Engine, tmp_path: Path) -> None:
    build(sqlite_engine)
    result = build_digest(sqlite_engine, DAY, out_dir=tmp_path)
    inbox = RefusingInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        smtp = SmtpSettings(host="127.0.0.1", port=controller.port)
        report = send_digest(sqlite_engine, result, smtp, ["gone@example.org", RECIPIENTS[0]])
    finally:
        controller.stop()
    assert report.sent == [RECIPIENTS[0]]
    assert list(report.failed) == ["gone@example.org"]
    assert "550" in report.failed["gone@example.org"]
    assert len(inbox.messages) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_smtp_login(sqlite_engine: Engine, tmp_path: Path) -> None:
    build(sqlite_engine)
    result = build_digest(sqlite_engine, DAY, out_dir=tmp_path)
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        good = SmtpSettings(host="127.0.0.1", port=controller.port, user="u", password="secret")
        assert send_digest(sqlite_engine, result, good, RECIPIENTS[:1]).sent == RECIPIENTS[:1]
        bad = SmtpSettings(host="127.0.0.1", port=controller.port, user="u", password="wrong")
        report = send_digest(sqlite_engine, result, bad, RECIPIENTS[1:])
    finally:
        controller.stop()
    assert "login" in report.failed[RECIPIENTS[1]]
    assert len(inbox.messages) == 1


def test_ssl_and_starttls_together_is_refused() -> None:
    both = SmtpSettings(host="127.0.0.1", port=free_port(), starttls=True, use_ssl=True)
    with pytest.raises(MailError, match="not both"):
        send_messages(both, [])


def test_a_later_day_also_sends_what_earlier_days_still_owe(cli_env: dict[str, Any]) -> None:
    port = free_port()
    cli_env["monkeypatch"].setenv("NEWSMON_SMTP_PORT", str(port))
    assert run_cli("digest", "--date", "2026-03-10", "--send").exit_code == 1
    with SmtpServer(port) as server:
        next_day = run_cli("digest", "--date", "2026-03-11", "--send")
        assert next_day.exit_code == 0, next_day.output
        subjects = sorted(str(m["Subject"]) for m in server.inbox.messages)
        assert subjects == [
            "newsmon digest 2026-03-10 — 4 stories",
            "newsmon digest 2026-03-10 — 4 stories",
            "newsmon digest 2026-03-11 — 1 stories",
            "newsmon digest 2026-03-11 — 1 stories",
        ]
        assert "digest 2026-03-10 sent to ops@example.org" in flat(next_day.stderr)
        assert run_cli("digest", "--date", "2026-03-11", "--send").exit_code == 0
        assert len(server.inbox.messages) == 4
