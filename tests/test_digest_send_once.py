"""`newsmon digest --send` as real processes against a slow local SMTP server: two at once mail
each recipient once; SIGTERM lets the message in flight finish and be recorded; a process
killed mid-send leaves ``unknown``, which is not mailed again unless asked to."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from storage.db import session_scope
from storage.digest_sends import list_sends
from tests.cli_process import FAST_FETCH, cli_env, run, start
from tests.digest_data import DAY, build
from tests.smtp_catcher import smtp_catcher

pytestmark = pytest.mark.slow

RECIPIENTS = ["ops@example.org", "desk@example.org", "chief@example.org"]
SEND = ("digest", "--date", DAY.isoformat(), "--send")


def env_for(database_url: str, tmp_path: Path, port: int, recipients: list[str]) -> dict[str, str]:
    sources = tmp_path / "sources.toml"  # every command checks its configuration first
    sources.write_text(FAST_FETCH, encoding="utf-8")
    return cli_env(
        database_url,
        sources,
        tmp_path / "data",
        NEWSMON_SMTP_HOST="127.0.0.1",
        NEWSMON_SMTP_PORT=str(port),
        NEWSMON_SMTP_FROM="newsmon@example.org",
        NEWSMON_DIGEST_TO=", ".join(recipients),
    )


def rows(engine: Engine) -> list[tuple[str, int, str]]:
    with session_scope(engine) as session:
        return sorted((s.recipient, s.send_round, s.status) for s in list_sends(session, DAY))


def test_two_sends_started_together_mail_each_recipient_once(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    build(engine)
    recipients = RECIPIENTS[:2]
    with smtp_catcher(delay=2.0) as (inbox, port):
        env = env_for(database_url, tmp_path, port, recipients)
        first, second = start(env, *SEND), start(env, *SEND)
        outputs = [proc.communicate(timeout=120) for proc in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    assert sorted(inbox.recipients) == sorted(recipients)
    assert rows(engine) == sorted((r, 0, "sent") for r in recipients)


def test_sigterm_mid_send_records_the_mail_in_flight_and_the_next_send_owes_the_rest(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    build(engine)
    with smtp_catcher(delay=2.0) as (inbox, port):
        env = env_for(database_url, tmp_path, port, RECIPIENTS)
        proc = start(env, *SEND)
        assert inbox.data_started.wait(60), proc.communicate(timeout=5)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 128 + signal.SIGTERM, stderr
        assert "interrupted by SIGTERM" in " ".join(stderr.split())
        assert inbox.recipients == RECIPIENTS[:1]  # the message in flight went out
        assert rows(engine) == [(RECIPIENTS[0], 0, "sent")]  # ... and was recorded

        again = run(env, *SEND)
        assert again.returncode == 0, again.stderr
    assert sorted(inbox.recipients) == sorted(RECIPIENTS)  # nobody twice, nobody left out
    assert rows(engine) == sorted((r, 0, "sent") for r in RECIPIENTS)


def test_a_process_killed_mid_send_leaves_unknown_which_only_resend_unknown_mails_again(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    build(engine)
    recipient = RECIPIENTS[:1]
    with smtp_catcher(delay=2.0) as (inbox, port):
        env = env_for(database_url, tmp_path, port, recipient)
        proc = start(env, *SEND)
        assert inbox.data_started.wait(60), proc.communicate(timeout=5)
        proc.kill()
        proc.wait(timeout=30)  # reaped: its pid no longer names a process
        assert rows(engine) == [(recipient[0], 0, "sending")]
        arrived = list(inbox.recipients)  # whether the server kept it is its own affair

        later = run(env, *SEND)
        assert later.returncode == 1
        assert "delivery unknown" in later.stderr and "--resend-unknown" in later.stderr
        assert rows(engine) == [(recipient[0], 0, "unknown")]
        known = run(env, *SEND)
        assert known.returncode == 0  # already reported: skipped, not mailed
        assert "delivery unknown since an earlier run" in " ".join(known.stderr.split())
        assert inbox.recipients == arrived  # nothing sent since the kill

        resend = run(env, "digest", "--date", DAY.isoformat(), "--resend-unknown")
        assert resend.returncode == 0, resend.stderr
    assert inbox.recipients == arrived + recipient  # on purpose
    assert rows(engine) == [(recipient[0], 0, "unknown"), (recipient[0], 1, "sent")]


def test_force_sends_one_more_copy_to_each(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    build(engine)
    with smtp_catcher() as (inbox, port):
        env = env_for(database_url, tmp_path, port, RECIPIENTS[:1])
        assert run(env, *SEND).returncode == 0
        assert run(env, *SEND).returncode == 0
        forced = run(env, "digest", "--date", DAY.isoformat(), "--force")
        assert forced.returncode == 0, forced.stderr
    assert inbox.recipients == RECIPIENTS[:1] * 2
    assert rows(engine) == [(RECIPIENTS[0], 0, "sent"), (RECIPIENTS[0], 1, "sent")]
