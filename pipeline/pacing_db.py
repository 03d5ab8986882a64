"""Per-host pacing across processes: a :class:`scrapers.pacing.HostPacer` over host leases.

Several ``newsmon serve`` replicas, or a CLI ingest next to a scheduled one, each space their own
requests with an in-process pacer but not each other's. :class:`DatabasePacer` reserves every
request slot in the ``host_leases`` table instead (``storage/leases.py``), so all processes on
one database together send at most one request per host per interval.

``NEWSMON_PACER`` chooses: ``memory``, ``database``, or ``auto`` (the default): the database
pacer on PostgreSQL, where several processes are the point, the in-process one on the embedded
SQLite file, where one process is the rule and each request would otherwise take the file's
write lock.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from functools import lru_cache

from sqlalchemy import Engine

from scrapers.pacing import HostPacer, InProcessPacer
from storage.leases import default_holder, reserve_slot

log = logging.getLogger(__name__)

PACER_MEMORY = "memory"
PACER_DATABASE = "database"


#: Added to every non-zero interval. A slot is reserved before its request is sent, and the
#: time from slot to request reaching the host varies between processes (a commit, a thread
#: hand-off, a cold process's first connection): the guard keeps the gap the host sees at or
#: above the configured interval. 50 ms is 5 % of the default 1 s.
GUARD_S = 0.05
#: How much later than the others a process that just had a host's turn asks for the next one.
YIELD_S = 0.02


class DatabasePacer:
    """Spaces request starts per host for every process that shares ``engine``'s database."""

    def __init__(self, engine: Engine, holder: str | None = None, guard_s: float = GUARD_S) -> None:
        self._engine = engine
        self._holder = holder or default_holder()
        self._guard_s = guard_s
        self._last_turn: dict[str, float] = {}  # when this process last had a host's turn

    async def wait_turn(self, host: str, min_interval_s: float) -> None:
        """Take this host's slot when it is free now (a short locking transaction); until
        then sleep and ask again. A slot reserved ahead would be planned from the time of
        asking: a process whose event loop woke late for it would send later than planned
        and shorten the gap to the next process's request.

        Fairness: a process that had the last turn asks again a little after the slot opens,
        so one that has been waiting gets it (taking turns, as reserved slots did).
        """
        interval = min_interval_s + self._guard_s if min_interval_s > 0 else 0.0
        while True:
            slot = await asyncio.to_thread(
                reserve_slot, self._engine, host, interval, self._holder, only_now=True
            )
            if slot.wait_s <= 0:
                self._last_turn[host] = time.monotonic()
                return
            recent = time.monotonic() - self._last_turn.get(host, -math.inf) < interval * 1.5
            wait = slot.wait_s + (YIELD_S if recent else 0.0)
            log.debug("waiting %.2f s for %s", wait, host)
            await asyncio.sleep(wait)


def pacer_kind(setting: str, engine: Engine) -> str:
    """``memory`` or ``database`` for the ``NEWSMON_PACER`` value, resolving ``auto`` by the
    database backend."""
    if setting != "auto":
        return setting
    return PACER_DATABASE if engine.dialect.name == "postgresql" else PACER_MEMORY


def make_pacer(engine: Engine, setting: str = "auto") -> HostPacer:
    """A new pacer of the configured kind for ``engine``'s database."""
    kind = pacer_kind(setting, engine)
    if kind == PACER_DATABASE:
        return DatabasePacer(engine)
    return InProcessPacer()


@lru_cache(maxsize=8)
def _process_pacer(engine: Engine, kind: str) -> HostPacer:
    return DatabasePacer(engine) if kind == PACER_DATABASE else InProcessPacer()


def process_pacer(engine: Engine, setting: str = "auto") -> HostPacer:
    """The one pacer of this process for ``engine``: every task and client shares it."""
    return _process_pacer(engine, pacer_kind(setting, engine))
