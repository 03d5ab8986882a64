"""Every piece of configuration checked before the first request.

A bad time zone or alerts file used to surface after the whole crawl (exit 1, nothing
published). Each entry point (the CLI commands and the Prefect flows) calls :func:`preflight`
first: sources, topics, alerts, time zone, recipients and SMTP settings are loaded with their
own validators, and the first problem becomes one line naming the file (or variable), the entry
and the field. Nothing is fetched.
"""

from __future__ import annotations

from dataclasses import dataclass

from composition.digest_setup import DigestSettingsError, digest_zone
from composition.publish_setup import feed_topics
from composition.settings import Settings, current_config, get_settings
from processing.alerts import AlertsConfig, AlertsConfigError
from scrapers.errors import SourcesConfigError
from scrapers.sources import SourcesConfig
from storage.masking import mask_secrets


class PreflightError(ValueError):
    """A configuration problem found before any work; ``str()`` is the one line to print."""


@dataclass(frozen=True, slots=True)
class CheckedConfig:
    """What the preflight loaded, so the caller does not load it again."""

    sources: SourcesConfig
    topics: dict[str, str]
    relevance_topic: str
    alerts: AlertsConfig
    recipients: list[str]


def preflight(settings: Settings | None = None) -> CheckedConfig:
    """Load and validate every configuration file and setting; raise :class:`PreflightError`
    (one line: file or variable, entry, field, reason) on the first bad one."""
    from pipeline.ingest.publish import load_alerts_file

    settings = settings or get_settings()
    try:
        sources = current_config(settings)
        topics, relevance = feed_topics(settings)
        digest_zone(settings)
        alerts = load_alerts_file(settings.alerts_file, known_topics=list(topics))
    except (SourcesConfigError, DigestSettingsError, AlertsConfigError) as exc:
        raise PreflightError(mask_secrets(str(exc))) from exc
    try:
        recipients = settings.digest_recipients
    except ValueError as exc:
        line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PreflightError(f"NEWSMON_DIGEST_TO: {line}") from exc
    _check_smtp(settings)
    return CheckedConfig(sources, topics, relevance, alerts, recipients)


def _check_smtp(settings: Settings) -> None:
    """SMTP settings that cannot work together (the port and host are typed already)."""
    if settings.smtp_ssl and settings.smtp_starttls:
        raise PreflightError(
            "NEWSMON_SMTP_SSL and NEWSMON_SMTP_STARTTLS: choose one (SSL on 465, STARTTLS on 587)"
        )
    if settings.smtp_password and not settings.smtp_user:
        raise PreflightError("NEWSMON_SMTP_PASSWORD is set but NEWSMON_SMTP_USER is not")
    sender = settings.smtp_from
    if any(ch in sender for ch in "\r\n") or "@" not in sender:
        raise PreflightError(f"NEWSMON_SMTP_FROM={sender!r}: not an email address")
