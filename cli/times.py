"""Times as the CLI prints them: local (``NEWSMON_TIMEZONE``), with the UTC offset, to the
minute, the same zone the digest, the alerts and the Atom feeds use."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def local_minute(value: datetime | None, zone: ZoneInfo) -> str | None:
    """``2026-12-06 03:17+01:00``, or None. A naive value is UTC (as stored)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone).isoformat(sep=" ", timespec="minutes")


def local_iso(value: datetime | None, zone: ZoneInfo) -> str | None:
    """ISO 8601 with the local offset (``--json``), or None."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone).isoformat(timespec="seconds")


def minute_of(iso: str | None) -> str:
    """An ISO 8601 time with offset as printed in tables (``2026-12-06 03:17+01:00``), or -."""
    if not iso:
        return "-"
    return datetime.fromisoformat(iso).isoformat(sep=" ", timespec="minutes")
