"""The alerts file is validated on load: typed alerts from good TOML; every error names the
file, the alert and the field in one line; no file means no alerts."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest.publish import load_alerts_file
from processing.alerts import AlertsConfigError, parse_alerts
from tests.conftest import REPO_ROOT


def test_the_shipped_example_parses_into_typed_alerts() -> None:
    example = REPO_ROOT / "config" / "alerts.example.toml"
    config = load_alerts_file(example, known_topics=["belarus-russia", "nuclear-weapons"])
    nuclear, breaking = config.alerts
    assert (nuclear.name, nuclear.kind, nuclear.topic) == ("nuclear", "topic", "nuclear-weapons")
    assert breaking.kind == "breaking" and breaking.breaking is not None
    assert (breaking.breaking.outlets, breaking.breaking.hours) == (3, 6)
    assert str(breaking.webhook_url) == "https://hooks.example.org/newsmon"
    assert breaking.email_to == ["desk@example.org", "editor@example.org"]


def test_an_absent_file_means_no_alerts(tmp_path: Path) -> None:
    assert load_alerts_file(tmp_path / "alerts.toml").alerts == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[[alerts]]\nname = "a"\ntopic = "x"\nemail_to = ["d@e.org"]\n'
            '[[alerts]]\nname = "breaking"\nbreaking = { outlets = 1, hours = 6 }\n'
            'email_to = ["d@e.org"]\n',
            "alerts.toml: alert 'breaking' (#2), field 'breaking.outlets': "
            "Input should be greater than or equal to 2",
        ),
        (
            '[[alerts]]\nname = "both"\ntopic = "x"\nbreaking = { outlets = 3, hours = 6 }\n'
            'email_to = ["d@e.org"]\n',
            "alerts.toml: alert 'both' (#1): give exactly one condition",
        ),
        (
            '[[alerts]]\nname = "silent"\ntopic = "x"\n',
            "alerts.toml: alert 'silent' (#1): give a channel",
        ),
        (
            '[[alerts]]\nname = "hook"\ntopic = "x"\nwebhook_url = "ftp://example.org/x"\n',
            "alerts.toml: alert 'hook' (#1), field 'webhook_url': URL scheme should be",
        ),
        (
            '[[alerts]]\nname = "mail"\ntopic = "x"\nemail_to = ["nobody"]\n',
            "alerts.toml: alert 'mail' (#1), field 'email_to': not an email address: 'nobody'",
        ),
        (
            '[[alerts]]\ntopic = "x"\nemail_to = ["d@e.org"]\nchannel = "sms"\n',
            "alerts.toml: alert #1, field 'name': Field required; alert #1, field 'channel':",
        ),
        ("[[alerts]\n", "alerts.toml: not valid TOML"),
    ],
)
def test_an_invalid_file_names_file_alert_and_field_in_one_line(
    tmp_path: Path, body: str, message: str
) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(AlertsConfigError) as caught:
        load_alerts_file(path, known_topics=["x"])
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(str(path.parent) + "/")
    assert message in text


def test_an_unknown_topic_slug_is_named_with_the_known_ones() -> None:
    with pytest.raises(AlertsConfigError) as caught:
        parse_alerts(
            '[[alerts]]\nname = "n"\ntopic = "nuclear"\nemail_to = ["d@e.org"]\n',
            "config/alerts.toml",
            known_topics=["belarus-russia", "nuclear-weapons"],
        )
    assert str(caught.value) == (
        "config/alerts.toml: alert 'n', field 'topic': unknown topic 'nuclear'; "
        "known: belarus-russia, nuclear-weapons"
    )


def test_alert_names_are_unique() -> None:
    with pytest.raises(AlertsConfigError, match="alert name 'a' is used twice"):
        parse_alerts(
            '[[alerts]]\nname = "a"\ntopic = "x"\nemail_to = ["d@e.org"]\n' * 2, "alerts.toml"
        )
