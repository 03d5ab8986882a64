"""Source configuration: what to poll (``[[sources]]``), how politely (``[fetch]``) and when
(``[schedule]``), read from ``config/sources.toml`` and validated on load.

Everything is a frozen pydantic model, so the HTTP client, discovery and the flows receive the
same explicit objects; nothing here reads the environment.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from processing.names import SAFE_NAME_MAX_LENGTH, SAFE_NAME_PATTERN
from processing.temporal import NEWSROOM_TIMEZONE
from scrapers.errors import SourcesConfigError, UnknownSourceError
from scrapers.outlets import Outlet, WallKind, consent_hosts, outlet_for_hosts

DEFAULT_USER_AGENT = "newsmon/0.1 (+https://example.org/newsmon)"
SourceKind = Literal["rss", "sitemap", "archive"]
#: Consent hosts of the registered outlets. Allowing one would let the crawler walk through a
#: consent wall (and click nothing there), so a source may not list it.
CONSENT_HOSTS = consent_hosts()
DATE_PLACEHOLDER = "{date}"
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,?-]+$")


def normalize_host(host: str) -> str:
    """A host name as compared everywhere: lower case, no trailing dot, no brackets."""
    return host.strip().lower().rstrip(".").strip("[]")


class FetchConfig(BaseModel):
    """Politeness settings of the HTTP client (the ``[fetch]`` table; all optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    user_agent: str = Field(DEFAULT_USER_AGENT, min_length=1)
    min_interval_s: float = Field(
        1.0, ge=0, le=3600, description="Minimum gap between request starts per host."
    )
    max_concurrency: int = Field(8, ge=1, le=256, description="Requests in flight, all hosts.")
    timeout_s: float = Field(
        20.0, gt=0, le=3600, description="Per attempt, connect to last body byte."
    )
    max_bytes: int = Field(
        5_000_000, gt=0, le=1_000_000_000, description="Body size cap (decoded bytes)."
    )
    retries: int = Field(3, ge=0, le=10, description="Retries after the first attempt.")
    max_redirects: int = Field(5, ge=0, le=20)
    backoff_base_s: float = Field(
        0.5, ge=0, le=3600, description="First retry delay before jitter."
    )
    backoff_max_s: float = Field(30.0, ge=0, le=3600)
    retry_after_max_s: float = Field(
        120.0,
        ge=0,
        le=86_400,
        description="Longest Retry-After honoured; a longer one ends the retries.",
    )
    http2: bool = False

    @model_validator(mode="after")
    def _backoff_order(self) -> FetchConfig:
        if self.backoff_max_s < self.backoff_base_s:
            raise ValueError("backoff_max_s must be >= backoff_base_s")
        return self


class ScheduleConfig(BaseModel):
    """When the flows run (the ``[schedule]`` table); cron strings have five fields."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    ingest_cron: str = "*/30 * * * *"
    digest_cron: str = "0 7 * * *"
    timezone: str = NEWSROOM_TIMEZONE
    backfill_max_days: int = Field(366, ge=1, le=36_600)

    @field_validator("ingest_cron", "digest_cron")
    @classmethod
    def _five_fields(cls, value: str) -> str:
        fields = value.split()
        if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
            raise ValueError(f"not a five-field cron expression: {value!r}")
        return " ".join(fields)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class SourceConfig(BaseModel):
    """One source: a feed, a sitemap (index) or an archive URL template with ``{date}``."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str = Field(pattern=SAFE_NAME_PATTERN, max_length=SAFE_NAME_MAX_LENGTH)
    kind: SourceKind
    url: str = Field(description="URL, or for kind=archive a template with {date} = YYYY-MM-DD.")
    allowed_hosts: tuple[str, ...] = Field(min_length=1)
    enabled: bool = True
    priority: int = Field(100, description="Lower runs first.")
    min_interval_s: float | None = Field(
        None, ge=0, le=3600, description="Overrides [fetch] per host."
    )
    wall: WallKind | None = Field(
        None, description="The wall known to stand before the articles; `sources check` shows it."
    )
    article_id_pattern: str | None = Field(
        None,
        description=(
            "A regular expression over an article URL's path whose first matching group is the "
            "outlet's article id, so two URLs of one article are known as one before any fetch; "
            "default: the id pattern of the outlet (scrapers.outlets) of the allowed hosts."
        ),
    )
    description: str = ""

    @field_validator("article_id_pattern")
    @classmethod
    def _id_pattern(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        if compiled.groups < 1:
            raise ValueError("the pattern needs a group around the article id")
        return value

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError("must be a list of host names, not one string")
        if isinstance(value, Iterable):
            hosts = []
            for host in value:
                if not isinstance(host, str) or not host.strip():
                    raise ValueError(f"not a host name: {host!r}")
                if "/" in host or ":" in host.strip("[]"):
                    raise ValueError(f"a host name without scheme, port or path: {host!r}")
                if normalize_host(host) in CONSENT_HOSTS:
                    raise ValueError(
                        f"{host!r} is a consent host: a consent wall is never walked through"
                    )
                hosts.append(normalize_host(host))
            return tuple(dict.fromkeys(hosts))
        return value

    @model_validator(mode="after")
    def _url_fits(self) -> SourceConfig:
        has_placeholder = DATE_PLACEHOLDER in self.url
        if self.kind == "archive" and not has_placeholder:
            raise ValueError(f"an archive URL must contain {DATE_PLACEHOLDER} (field 'url')")
        if self.kind != "archive" and has_placeholder:
            raise ValueError(f"only kind 'archive' may use {DATE_PLACEHOLDER} (field 'url')")
        parts = urlsplit(self.url.replace(DATE_PLACEHOLDER, "2000-01-01"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {self.url!r} (field 'url')")
        if normalize_host(parts.hostname) not in self.allowed_hosts:
            raise ValueError(
                f"the URL's host {parts.hostname!r} is not in allowed_hosts (field 'url')"
            )
        return self

    def url_for(self, day: date | None = None) -> str:
        """The URL to fetch; archive sources need the ``day`` to fill ``{date}``."""
        if self.kind == "archive":
            if day is None:
                raise ValueError(f"source {self.name!r} is an archive: a day is required")
            return self.url.replace(DATE_PLACEHOLDER, day.isoformat())
        return self.url

    def id_pattern(self) -> re.Pattern[str] | None:
        """The article-id pattern of this source's URLs (see ``article_id_pattern``)."""
        if self.article_id_pattern is not None:
            return re.compile(self.article_id_pattern)
        return self.outlet().id_pattern()

    def outlet(self) -> Outlet:
        """The registry entry of the outlet on this source's allowed hosts (or the generic one)."""
        return outlet_for_hosts(self.allowed_hosts)

    def interval_s(self, fetch: FetchConfig) -> float:
        """The per-host minimum interval for this source's requests."""
        return fetch.min_interval_s if self.min_interval_s is None else self.min_interval_s


class SourcesConfig(BaseModel):
    """The whole ``sources.toml``: politeness, schedules and the list of sources."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    fetch: FetchConfig = FetchConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    sources: tuple[SourceConfig, ...] = ()

    @model_validator(mode="after")
    def _unique_names(self) -> SourcesConfig:
        seen: set[str] = set()
        for source in self.sources:
            if source.name in seen:
                raise ValueError(f"source name {source.name!r} is used twice (field 'name')")
            seen.add(source.name)
        return self

    @property
    def names(self) -> list[str]:
        return [source.name for source in self.sources]

    def get(self, name: str) -> SourceConfig:
        """The source called ``name``; :class:`UnknownSourceError` lists the known names."""
        return select_sources(self, [name], include_disabled=True)[0]

    def enabled_sources(self) -> list[SourceConfig]:
        """Enabled sources in run order (priority, then name)."""
        return select_sources(self, None)


def select_sources(
    config: SourcesConfig, names: Sequence[str] | None, include_disabled: bool = False
) -> list[SourceConfig]:
    """The sources a user asked for, by name, in run order.

    No names means every enabled source. Names that are asked for explicitly are returned even
    when disabled if ``include_disabled`` is set; an unknown name raises
    :class:`UnknownSourceError`, whose message lists every known name.
    """
    by_name = {source.name: source for source in config.sources}
    if names:
        unknown = [name for name in names if name not in by_name]
        if unknown:
            raise UnknownSourceError(unknown, sorted(by_name))
        chosen = [by_name[name] for name in dict.fromkeys(names)]
        if not include_disabled:
            chosen = [source for source in chosen if source.enabled]
    else:
        chosen = [source for source in config.sources if source.enabled]
    return sorted(chosen, key=lambda source: (source.priority, source.name))


def load_sources_file(path: Path | str) -> SourcesConfig:
    """Read and validate a sources file; every problem names the file, source and field."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourcesConfigError(path, [(None, None, "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesConfigError(path, [(None, None, f"cannot read: {exc}")]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise SourcesConfigError(path, [(None, None, f"not valid TOML: {exc}")]) from exc
    return parse_sources(raw, path)


def parse_sources(raw: dict[str, Any], path: Path | str = "<sources>") -> SourcesConfig:
    """Validate already-parsed TOML data (``path`` only labels the errors)."""
    try:
        return SourcesConfig.model_validate(raw)
    except ValidationError as exc:
        raise SourcesConfigError(path, _problems(exc, raw)) from exc


Problem = tuple[str | None, str | None, str]


def _problems(exc: ValidationError, raw: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    raw_sources = raw.get("sources")
    for error in exc.errors():
        loc = list(error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        source: str | None = None
        if loc and loc[0] == "sources" and len(loc) >= 2 and isinstance(loc[1], int):
            index = loc[1]
            source = f"#{index + 1}"
            if isinstance(raw_sources, list) and index < len(raw_sources):
                entry = raw_sources[index]
                if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                    source = f"{entry['name']!r} (#{index + 1})"
            loc = loc[2:]
        field = ".".join(str(part) for part in loc) or _field_in(message)
        problems.append((source, field, _FIELD_MARK.sub("", message)))
    return problems


_FIELD_MARK = re.compile(r" ?\(field '([^']+)'\)")


def _field_in(message: str) -> str | None:
    """Model-level validators name their field as ``(field 'x')`` in the message."""
    found = _FIELD_MARK.search(message)
    return found.group(1) if found else None
