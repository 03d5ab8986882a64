"""Digest recipients are checked when the settings are loaded (one line naming a bad address,
exit 2, nothing sent) and one person gets one mail whatever the letter case of the address."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from composition.settings import get_settings
from digests.recipients import RecipientError, parse_recipients
from storage.db import make_engine
from tests.digest_data import DAY, build
from tests.smtp_catcher import SlowInbox, smtp_catcher


def test_addresses_are_normalised_and_kept_once_whatever_their_case() -> None:
    text = " ed@example.org, ED@Example.org ,, desk@localhost, Ed@EXAMPLE.ORG "
    assert parse_recipients(text) == ["ed@example.org", "desk@localhost"]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("ed@example.org\r\nBcc: spy@example.org", "invalid characters"),
        ("ed@example.org.", "cannot end with a period"),
        ("ed@", "something after the @-sign"),
        ("ed example.org", "must have an @-sign"),
    ],
)
def test_a_bad_address_is_one_line_naming_it(text: str, why: str) -> None:
    with pytest.raises(RecipientError) as caught:
        parse_recipients(f"ok@example.org, {text}")
    message = str(caught.value)
    assert message.startswith(f"NEWSMON_DIGEST_TO: {text!r} is not an email address")
    assert why in message


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch, sqlite_url: str, tmp_path: Path) -> Iterator[SlowInbox]:
    engine = make_engine(sqlite_url)
    build(engine)
    engine.dispose()
    with smtp_catcher() as (inbox, port):
        monkeypatch.setenv("NEWSMON_DATABASE_URL", sqlite_url)
        monkeypatch.setenv("NEWSMON_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("NEWSMON_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("NEWSMON_SMTP_PORT", str(port))
        yield inbox


def send(monkeypatch: pytest.MonkeyPatch, recipients: str) -> tuple[int, str]:
    monkeypatch.setenv("NEWSMON_DIGEST_TO", recipients)
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["digest", "--date", DAY.isoformat(), "--send"])
    return result.exit_code, result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("bad", ["ed@example.org\r\nBcc: spy@example.org", "ed@example.org."])
def test_cli_refuses_a_bad_recipient_with_one_line_and_sends_nothing(
    smtp: SlowInbox, monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    code, stderr = send(monkeypatch, f"desk@example.org, {bad}")
    assert code == 2
    assert stderr.count("error:") == 1 and "Traceback" not in stderr  # one (wrapped) line
    assert f"NEWSMON_DIGEST_TO: {bad!r} is not an email address" in " ".join(stderr.split())
    assert smtp.recipients == []


@pytest.mark.slow
def test_cli_mails_one_person_once_whatever_the_case(
    smtp: SlowInbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, stderr = send(monkeypatch, "ed@example.org, ED@Example.org")
    assert code == 0, stderr
    assert smtp.recipients == ["ed@example.org"]
    code, _ = send(monkeypatch, "Ed@example.ORG")  # another spelling later: same person
    assert code == 0 and smtp.recipients == ["ed@example.org"]
