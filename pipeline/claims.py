"""Who holds a delivery claim: this process (pid and host), and whether a holder is gone.

A claim (a digest mail, an alert delivery) records its owner; a later run that finds it still
``sending`` asks whether that process is gone — then the claim becomes ``unknown`` — or still
at work, in which case it is left alone.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from storage.runs import process_is_gone, this_host

CLAIM_STALE_AFTER = timedelta(hours=1)  # a claim from another host older than this is dead


def this_process() -> tuple[int, str]:
    """(pid, host) recorded with each claim this process makes."""
    return os.getpid(), this_host()


def claim_owner_gone(pid: int | None, host: str | None, claimed_at: datetime) -> bool:
    """Whether the process holding a claim made at ``claimed_at`` (wall clock) is gone."""
    return process_is_gone(pid, host, claimed_at, stale_after=CLAIM_STALE_AFTER)
