"""What every flow needs at run time: the configured database, one engine per process.

Tasks receive a database URL string, never an engine (an engine is neither serialisable nor
worth hashing for a cache key); :func:`engine_for` turns it into one engine per process.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache

from sqlalchemy import Engine

from composition.settings import Settings, get_settings
from storage.db import make_engine

log = logging.getLogger(__name__)

#: Prefect settings that keep a flow run quiet and private when the caller has not chosen.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # The ephemeral API server (``make run`` without a server) starts in ~6 s here, but on a
    # busy 2-core machine Prefect's 20 s default was seen to run out: give it more.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}


def prefect_env_defaults() -> None:
    """Set :data:`PREFECT_DEFAULTS` unless the caller chose otherwise (before importing Prefect)."""
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)


@lru_cache(maxsize=8)
def engine_for(database_url: str) -> Engine:
    """One engine (and connection pool) per database URL for this process."""
    return make_engine(database_url)


def database_url(settings: Settings | None = None) -> str:
    """The configured database URL."""
    return (settings or get_settings()).resolved_database_url
