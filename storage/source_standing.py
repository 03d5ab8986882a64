"""Read side of source health: each source row with the counts of its latest ingest run."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import IngestRunSource, Source


@dataclass(slots=True)
class SourceStanding:
    """A source's stored health and its latest run row (None when it never ran)."""

    source: Source
    last_run: IngestRunSource | None


def source_standings(session: Session) -> dict[str, SourceStanding]:
    """Every stored source by name, with the counts of the last run it took part in."""
    latest = (
        select(IngestRunSource.source_name, func.max(IngestRunSource.id).label("id"))
        .group_by(IngestRunSource.source_name)
        .subquery()
    )
    rows = session.scalars(select(IngestRunSource).join(latest, IngestRunSource.id == latest.c.id))
    by_name = {row.source_name: row for row in rows}
    sources = session.scalars(select(Source).order_by(Source.name))
    return {s.name: SourceStanding(s, by_name.get(s.name)) for s in sources}
