"""A digest of nothing is written but not mailed (``--allow-empty`` / ``allow_empty`` opt in),
from the CLI and from the Prefect digest flow's quick run alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from composition.settings import get_settings
from flows.digest_flow import digest as digest_flow
from storage.db import make_engine
from tests.digest_data import build
from tests.smtp_catcher import SlowInbox, smtp_catcher

pytestmark = pytest.mark.slow

EMPTY_DAY = date(2026, 3, 1)  # nothing was seen that day


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch, sqlite_url: str, tmp_path: Path) -> Iterator[SlowInbox]:
    engine = make_engine(sqlite_url)
    build(engine)
    engine.dispose()
    with smtp_catcher() as (server, port):
        monkeypatch.setenv("NEWSMON_DATABASE_URL", sqlite_url)
        monkeypatch.setenv("NEWSMON_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("NEWSMON_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("NEWSMON_SMTP_PORT", str(port))
        monkeypatch.setenv("NEWSMON_DIGEST_TO", "desk@example.org")
        get_settings.cache_clear()
        yield server


def test_cli_writes_an_empty_digest_but_mails_it_only_with_allow_empty(
    inbox: SlowInbox, tmp_path: Path
) -> None:
    args = ["digest", "--date", EMPTY_DAY.isoformat(), "--send"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "digests" / f"{EMPTY_DAY}.md").exists()
    assert "has no stories: not mailed" in " ".join(result.stderr.split())
    assert inbox.recipients == []

    get_settings.cache_clear()
    opted = CliRunner().invoke(app, [*args, "--allow-empty"])
    assert opted.exit_code == 0, opted.output
    assert inbox.recipients == ["desk@example.org"]


@pytest.mark.usefixtures("prefect_harness")
def test_the_digest_flow_does_not_mail_a_digest_of_nothing(
    inbox: SlowInbox, tmp_path: Path
) -> None:
    summary = digest_flow(day=EMPTY_DAY, send_email=True)
    assert summary["stories"] == 0 and summary["sent"] == 0
    assert Path(str(summary["markdown_path"])).exists()
    assert inbox.recipients == []
    opted = digest_flow(day=EMPTY_DAY, send_email=True, allow_empty=True)
    assert opted["sent"] == 1 and inbox.recipients == ["desk@example.org"]
