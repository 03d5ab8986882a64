"""Fetch claims: one run at a time fetches an article page, across processes and machines.

Before a run requests a page it claims the article's keys (its outlet article id and its
canonical URL) in a committed row; a key another run holds is skipped, so two concurrent runs
never request one article twice (the primary key decides, not a read-then-write check). A
claim is released in the transaction that stores its page (or records its failure), so a run
that claims it afterwards sees the stored article when it checks again. A claim is taken over
when its run is no longer running (interrupted, or found dead and closed as abandoned), and
pruned once older than :data:`CLAIM_STALE`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Engine, Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import FetchClaim, IngestRun
from storage.runs import RUNNING
from storage.types import utcnow

CLAIM_STALE = timedelta(minutes=30)  # a claim this old belongs to a run that died
_CLAIMS = cast(Table, FetchClaim.__table__)


def claim_key(claim: str) -> str:
    """The fixed-width key of a claim (an article key or a canonical URL)."""
    return hashlib.sha256(claim.encode("utf-8", errors="surrogatepass")).hexdigest()


def claim_fetches(engine: Engine, run_id: int, claims: Sequence[Sequence[str]]) -> list[bool]:
    """Claim each group of keys for ``run_id`` (committed at once); per group, whether this run
    got all of them (a group any key of which another run holds is not fetched here)."""
    now = utcnow()
    keys = sorted({claim_key(claim) for group in claims for claim in group})
    if not keys:
        return [True] * len(claims)
    insert: Any = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    statement = insert(_CLAIMS).values(
        [{"key": key, "run_id": run_id, "claimed_at": now} for key in keys]
    )
    statement = statement.on_conflict_do_update(
        index_elements=["key"],
        set_={"run_id": statement.excluded.run_id, "claimed_at": statement.excluded.claimed_at},
        where=(_CLAIMS.c.claimed_at < now - CLAIM_STALE)
        | (_CLAIMS.c.run_id == run_id)
        | _CLAIMS.c.run_id.in_(select(IngestRun.id).where(IngestRun.status != RUNNING)),
    ).returning(_CLAIMS.c.key)
    with engine.begin() as conn:
        conn.execute(delete(_CLAIMS).where(_CLAIMS.c.claimed_at < now - CLAIM_STALE))
        won = set(conn.scalars(statement))
        got = [all(claim_key(claim) in won for claim in group) for group in claims]
        kept = {claim_key(c) for group, ok in zip(claims, got, strict=True) if ok for c in group}
        if won - kept:  # a group lost to another run gives back at once what it did win
            conn.execute(delete(_CLAIMS).where(_CLAIMS.c.key.in_(sorted(won - kept))))
    return got


def release_claims(session: Session, run_id: int, claims: Iterable[str]) -> None:
    """Release this run's claims on ``claims`` (their pages are stored or failed)."""
    keys = [claim_key(claim) for claim in claims]
    if keys:
        session.execute(
            delete(FetchClaim).where(FetchClaim.key.in_(keys), FetchClaim.run_id == run_id)
        )
