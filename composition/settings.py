"""Settings: environment variables with the ``NEWSMON_`` prefix (and an optional ``.env``).

Only the entry points (``cli/``, ``flows/``) read settings, through this composition root;
every stage below takes its parameters explicitly. The sources file is loaded here and
nowhere else (:func:`current_config`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from processing.temporal import NEWSROOM_TIMEZONE

if TYPE_CHECKING:
    from pipeline.processor import Processor
    from scrapers.sources import SourcesConfig


class Settings(BaseSettings):
    """Every setting newsmon reads; the README documents each with its default."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSMON_", env_file=".env", extra="ignore", allow_inf_nan=False
    )

    data_dir: Path = Field(Path("data"), description="Where the SQLite file and digests live.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite:///<DATA_DIR>/newsmon.db."
    )
    seeds_dir: Path = Field(Path("seeds"), description="The seed corpus folder.")
    sources_file: Path = Field(Path("config/sources.toml"), description="Source list.")
    topics_file: Path = Field(Path("config/topics.toml"), description="Topic taxonomy.")
    alerts_file: Path = Field(
        Path("config/alerts.toml"), description="Alerts; an absent file means no alerts."
    )
    timezone: str = Field(
        NEWSROOM_TIMEZONE, description="Zone whose local days bound a daily digest."
    )
    smtp_host: str | None = Field(None, description="SMTP server for the digest email.")
    smtp_port: int = Field(
        25, ge=1, le=65_535, description="SMTP port (587 for STARTTLS, 465 for SSL)."
    )
    smtp_user: str | None = Field(None, description="SMTP login; no login when unset.")
    smtp_password: str | None = Field(None, description="SMTP password.")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_ssl: bool = Field(False, description="Connect with implicit TLS (SMTPS).")
    smtp_from: str = Field("newsmon@localhost", description="Sender address of the digest.")
    digest_to: str = Field("", description="Digest recipients, comma-separated.")
    pacer: Literal["auto", "memory", "database"] = Field(
        "auto",
        description="Per-host request spacing: memory (this process), database (a lease row "
        "shared by every process on the database), auto (database on PostgreSQL).",
    )

    @property
    def digest_recipients(self) -> list[str]:
        """``digest_to`` split on commas, each address checked and kept once whatever its
        letter case.

        Raises:
            RecipientError: one line naming the bad address.
        """
        from digests.recipients import parse_recipients

        return parse_recipients(self.digest_to)

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'newsmon.db').resolve()}"


def make_processor(settings: Settings) -> Processor:
    """A fresh run's processing state from the configured taxonomy and seed folder."""
    from pipeline.processor import Processor  # heavy (numpy, datasketch): only when ingesting
    from processing.taxonomy import TaxonomyError

    try:
        return Processor.from_topics_file(settings.topics_file, settings.seeds_dir)
    except TaxonomyError as exc:  # name the file: the message names the key and the reason
        raise TaxonomyError(f"{settings.topics_file}: {exc}") from exc


@lru_cache(maxsize=4)
def _load_config(path: str, mtime_ns: int) -> SourcesConfig:
    from scrapers.sources import load_sources_file  # a read command does without it

    return load_sources_file(path)


def current_config(settings: Settings | None = None) -> SourcesConfig:
    """The configured sources file (re-read when it changes on disk).

    Raises:
        SourcesConfigError: unreadable or invalid; the message names file, source and field.
    """
    path = Path((settings or get_settings()).sources_file)
    return _load_config(str(path), path.stat().st_mtime_ns if path.exists() else 0)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests clear this cache after changing the environment)."""
    return Settings()
