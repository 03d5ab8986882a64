"""All configuration is checked before the first request: one line naming the file (or
variable), the entry and the field, exit 2, nothing fetched; out-of-range days likewise."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.dates import FIRST_DAY, LAST_DAY, day_problem
from tests import cli_process
from tests.site import NosSite

GOOD_ALERT = '[[alerts]]\nname = "nuclear"\ntopic = "nuclear-weapons"\nemail_to = ["d@e.org"]\n'


def setup(tmp_path: Path, site: NosSite, **extra: str) -> dict[str, str]:
    sources = cli_process.write_sources(
        tmp_path / "sources.toml", site, {"nos-algemeen": "/nosnieuwsalgemeen"}
    )
    alerts = tmp_path / "alerts.toml"
    if not alerts.exists():
        alerts.write_text(GOOD_ALERT, encoding="utf-8")
    env = cli_process.cli_env(
        f"sqlite:///{tmp_path / 'n.db'}",
        sources,
        tmp_path / "data",
        NEWSMON_ALERTS_FILE=str(alerts),
        **extra,
    )
    assert cli_process.run(env, "db", "upgrade").returncode == 0
    return env


def one_error_line(done: object) -> str:
    stderr = getattr(done, "stderr", "")
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("alerts", "expected"),
    [
        (GOOD_ALERT.replace('topic = "', 'colour = "red"\ntopic = "'), ["'nuclear'", "colour"]),
        (GOOD_ALERT.replace("nuclear-weapons", "nuclear-weapon"), ["'nuclear'", "topic"]),
        (
            '[[alerts]]\nname = "hook"\ntopic = "nuclear-weapons"\n'
            'webhook_url = "ftp://user:pw@example.org/x"\n',
            ["'hook'", "webhook_url"],
        ),
    ],
)
def test_a_bad_alerts_file_stops_ingest_before_any_request(
    tmp_path: Path, site: NosSite, alerts: str, expected: list[str]
) -> None:
    (tmp_path / "alerts.toml").write_text(alerts, encoding="utf-8")
    env = setup(tmp_path, site)
    done = cli_process.run(env, "ingest")
    assert done.returncode == 2, done.stderr
    line = one_error_line(done)
    assert str(tmp_path / "alerts.toml") in line
    assert all(part in line for part in expected), line
    assert "pw@" not in line
    assert site.requests() == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("variable", "value", "command"),
    [
        ("NEWSMON_TIMEZONE", "Mars/Olympus", "ingest"),
        ("NEWSMON_TIMEZONE", "Mars/Olympus", "digest"),
        ("NEWSMON_SMTP_FROM", "nobody", "ingest"),
    ],
)
def test_a_bad_setting_stops_the_command_before_any_request(
    tmp_path: Path, site: NosSite, variable: str, value: str, command: str
) -> None:
    env = setup(tmp_path, site, **{variable: value})
    done = cli_process.run(env, command)
    assert done.returncode == 2, done.stderr
    line = one_error_line(done)
    assert variable in line and value in line
    assert site.requests() == []
    assert not (tmp_path / "data" / "digests").exists()


@pytest.mark.slow
def test_a_bad_source_name_is_one_line_naming_file_source_and_field(
    tmp_path: Path, site: NosSite
) -> None:
    env = setup(tmp_path, site)
    sources = Path(env["NEWSMON_SOURCES_FILE"])
    sources.write_text(
        sources.read_text().replace('name = "nos-algemeen"', 'name = "../nos"'), "utf-8"
    )
    done = cli_process.run(env, "ingest")
    assert done.returncode == 2, done.stderr
    line = one_error_line(done)
    assert str(sources) in line and "'../nos'" in line and "'name'" in line
    assert site.requests() == []


def test_day_bounds() -> None:
    assert day_problem(FIRST_DAY.isoformat()) is None
    assert day_problem(LAST_DAY.isoformat()) is None
    assert "out of range" in (day_problem("9999-12-31") or "")
    assert "out of range" in (day_problem("0001-01-01") or "")
    assert "not a date" in (day_problem("2026-02-30") or "")


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["digest", "--date", "9999-12-31"],
        ["digest", "--date", "0001-01-01"],
        ["rules", "test", "--since", "9999-12-31"],
        ["retag", "--since", "9999-12-31"],
        ["backfill", "2026-01-01", "9999-12-31"],
    ],
)
def test_an_out_of_range_day_is_one_line_and_exit_2(
    tmp_path: Path, site: NosSite, args: list[str]
) -> None:
    env = setup(tmp_path, site)
    done = cli_process.run(env, *args)
    assert done.returncode == 2, done.stderr
    line = one_error_line(done)
    assert "out of range" in line and args[-1] in line
