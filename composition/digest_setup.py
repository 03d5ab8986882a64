"""Digest options read from settings, shared by `newsmon digest` and the digest flow."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine

from composition.settings import Settings
from digests.group import DEFAULT_RELEVANCE_TOPIC
from digests.mailer import SmtpSettings

if TYPE_CHECKING:
    from pipeline.digest_send import SendReport


class DigestSettingsError(ValueError):
    """A digest setting that cannot be used (unknown time zone, unreadable topics file, a
    recipient that is not an email address)."""


@dataclass(frozen=True, slots=True)
class DigestOptions:
    """Everything the digest job needs from the settings, resolved and checked once."""

    tz: ZoneInfo
    out_dir: Path
    relevance_topic: str
    smtp: SmtpSettings | None
    recipients: list[str]


def smtp_from_settings(settings: Settings) -> SmtpSettings | None:
    """The SMTP settings, or None when no SMTP host is configured."""
    if not settings.smtp_host:
        return None
    return SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        user=settings.smtp_user,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
        use_ssl=settings.smtp_ssl,
        sender=settings.smtp_from,
    )


def digest_zone(settings: Settings) -> ZoneInfo:
    """The configured digest time zone."""
    try:
        return ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DigestSettingsError(
            f"NEWSMON_TIMEZONE={settings.timezone!r} is not a known time zone"
        ) from exc


def relevance_topic(settings: Settings) -> str:
    """The taxonomy's beat topic (``relevance_topic`` in the topics file)."""
    path = settings.topics_file
    if not path.is_file():
        return DEFAULT_RELEVANCE_TOPIC
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DigestSettingsError(f"cannot read the topics file {path}: {exc}") from exc
    return str(data.get("relevance_topic", DEFAULT_RELEVANCE_TOPIC))


def digest_options(settings: Settings) -> DigestOptions:
    """Resolve every digest setting, raising :class:`DigestSettingsError` on a bad one."""
    from digests.recipients import RecipientError

    try:
        recipients = settings.digest_recipients
    except RecipientError as exc:
        raise DigestSettingsError(str(exc)) from exc
    return DigestOptions(
        tz=digest_zone(settings),
        out_dir=settings.data_dir / "digests",
        relevance_topic=relevance_topic(settings),
        smtp=smtp_from_settings(settings),
        recipients=recipients,
    )


def send_owed_digests(
    engine: Engine,
    options: DigestOptions,
    before: date,
    *,
    allow_empty: bool = False,
    pass_on_signal: bool = True,
) -> list[SendReport]:
    """Send earlier days' digests whose email failed and is still owed (nothing if no SMTP)."""
    if options.smtp is None or not options.recipients:
        return []
    from pipeline.digest_send import send_owed

    return send_owed(
        engine,
        options.smtp,
        options.recipients,
        before=before,
        tz=options.tz,
        out_dir=options.out_dir,
        relevance_topic=options.relevance_topic,
        allow_empty=allow_empty,
        pass_on_signal=pass_on_signal,
    )
