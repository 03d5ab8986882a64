"""Alerts: the ``[[alerts]]`` of ``config/alerts.toml`` as typed objects, and their conditions.

Parsing takes the TOML *text* (the caller reads the file), and the condition checks take plain
facts about one story, so both are pure. An alert has one condition, ``topic = "slug"`` (the
story gets a new relevant article tagged with that topic) or ``breaking = { outlets, hours }``
(N distinct outlets within H hours of the story's first article), and one or more channels.
Only articles of the recent window count (``since``): a backfilled or seeded article from last
year is not news, and must not page anyone.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationError,
    field_validator,
    model_validator,
)

from processing.names import SAFE_NAME_MAX_LENGTH, SAFE_NAME_PATTERN

KIND_TOPIC = "topic"
KIND_BREAKING = "breaking"
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+$")


class AlertsConfigError(ValueError):
    """The alerts file cannot be used; one line naming the file, the alert and the field."""

    def __init__(self, path: str, problems: list[tuple[str | None, str | None, str]]) -> None:
        self.path = path
        self.problems = problems
        parts = []
        for alert, field, message in problems:
            where = ", ".join(
                p
                for p in (f"alert {alert}" if alert else "", f"field {field!r}" if field else "")
                if p
            )
            parts.append(f"{where}: {message}" if where else message)
        super().__init__(f"{path}: " + "; ".join(parts))


class Breaking(BaseModel):
    """A story reaches ``outlets`` distinct outlets within ``hours`` of its first article."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    outlets: int = Field(ge=2, le=100)
    hours: float = Field(gt=0, le=24 * 14)


class Alert(BaseModel):
    """One ``[[alerts]]`` entry: a name, one condition and its channels."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=SAFE_NAME_MAX_LENGTH, pattern=SAFE_NAME_PATTERN)
    topic: str | None = Field(None, min_length=1, max_length=60)
    breaking: Breaking | None = None
    email_to: list[str] = Field(default_factory=list)
    webhook_url: HttpUrl | None = None

    @field_validator("email_to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        cleaned = [address.strip() for address in value]
        for address in cleaned:
            if not _EMAIL.match(address):
                raise ValueError(f"not an email address: {address!r}")
        return list(dict.fromkeys(cleaned))

    @model_validator(mode="after")
    def _one_condition_some_channel(self) -> Alert:
        if (self.topic is None) == (self.breaking is None):
            raise ValueError('give exactly one condition: topic = "slug" or breaking = {...}')
        if not self.email_to and self.webhook_url is None:
            raise ValueError('give a channel: email_to = [...] and/or webhook_url = "..."')
        return self

    @property
    def kind(self) -> str:
        return KIND_TOPIC if self.topic is not None else KIND_BREAKING


class AlertsConfig(BaseModel):
    """Every alert; names are unique."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alerts: list[Alert] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self) -> AlertsConfig:
        seen: set[str] = set()
        for alert in self.alerts:
            if alert.name in seen:
                raise ValueError(f"alert name {alert.name!r} is used twice")
            seen.add(alert.name)
        return self


NO_ALERTS = AlertsConfig()


def parse_alerts(
    toml_text: str, path: str = "<alerts>", known_topics: Sequence[str] | None = None
) -> AlertsConfig:
    """Validate the alerts file's text; ``known_topics`` (the taxonomy's slugs) catches typos.

    Raises:
        AlertsConfigError: naming ``path``, the alert (by name, else by position) and the field.
    """
    try:
        raw = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as exc:
        raise AlertsConfigError(path, [(None, None, f"not valid TOML: {exc}")]) from exc
    try:
        config = AlertsConfig.model_validate(raw)
    except ValidationError as exc:
        raise AlertsConfigError(path, _problems(exc, raw)) from exc
    if known_topics is not None:
        known = set(known_topics)
        problems: list[tuple[str | None, str | None, str]] = [
            (
                repr(a.name),
                KIND_TOPIC,
                f"unknown topic {a.topic!r}; known: {', '.join(sorted(known))}",
            )
            for a in config.alerts
            if a.topic is not None and a.topic not in known
        ]
        if problems:
            raise AlertsConfigError(path, problems)
    return config


def _problems(
    exc: ValidationError, raw: dict[str, Any]
) -> list[tuple[str | None, str | None, str]]:
    problems: list[tuple[str | None, str | None, str]] = []
    entries = raw.get("alerts")
    for error in exc.errors():
        loc = list(error["loc"])
        alert: str | None = None
        if len(loc) >= 2 and loc[0] == "alerts" and isinstance(loc[1], int):
            index = loc[1]
            alert = f"#{index + 1}"
            if isinstance(entries, list) and index < len(entries):
                entry = entries[index]
                if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                    alert = f"{entry['name']!r} (#{index + 1})"
            loc = loc[2:]
        field = ".".join(str(part) for part in loc) or None
        problems.append((alert, field, error["msg"].removeprefix("Value error, ")))
    return problems


@dataclass(frozen=True, slots=True)
class StoryArticle:
    """What the conditions need of one relevant article of a story."""

    id: int
    outlet: str
    at: datetime  # when it appeared: its publication time when known to the day, else first seen
    first_seen_at: datetime
    topics: frozenset[str]
    seed: bool = False


def topic_met(topic: str, articles: Sequence[StoryArticle], since: datetime) -> datetime | None:
    """When a story got a new article tagged ``topic``: the earliest such article seen and
    appeared since ``since`` (seeds define the beat and are never news); None if none."""
    times = [
        a.at
        for a in articles
        if topic in a.topics and not a.seed and a.first_seen_at >= since and a.at >= since
    ]
    return min(times) if times else None


def breaking_met(
    rule: Breaking, articles: Sequence[StoryArticle], since: datetime
) -> datetime | None:
    """When the story reached ``rule.outlets`` distinct outlets within ``rule.hours`` of its
    first article (the moment the last needed outlet appeared), or None. That moment must be
    in the recent window: an old story backfilled today did not break today."""
    dated = sorted((a for a in articles if not a.seed), key=lambda a: (a.at, a.id))
    if not dated:
        return None
    first = min(a.at for a in articles)
    outlets: set[str] = set()
    for article in dated:
        if (article.at - first).total_seconds() > rule.hours * 3600:
            break
        outlets.add(article.outlet)
        if len(outlets) >= rule.outlets:
            return article.at if article.at >= since else None
    return None


def condition_met(
    alert: Alert, articles: Sequence[StoryArticle], since: datetime
) -> datetime | None:
    """When ``alert``'s condition was met for a story, or None."""
    if alert.topic is not None:
        return topic_met(alert.topic, articles, since)
    if alert.breaking is None:  # the model validator makes this impossible
        raise ValueError(f"alert {alert.name!r} has no condition")
    return breaking_met(alert.breaking, articles, since)
