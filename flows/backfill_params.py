"""The backfill flow's parameters: typed so the Prefect UI renders them as a form.

The source choices are a ``Literal`` built from the configured sources file when this module is
imported, so the run form shows a multi-select of real source names. Cross-field checks (end
before start, a range over the configured maximum) can only run when the flow starts:
:func:`plan_backfill` does them and raises :class:`BackfillParameterError` with a clear message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, WithJsonSchema
from pydantic.fields import FieldInfo

from cli.settings import get_settings

log = logging.getLogger(__name__)

#: Source kinds that can be walked day by day (an RSS feed only knows its latest items).
BACKFILL_KINDS = ("archive", "sitemap")


class BackfillParameterError(ValueError):
    """Backfill parameters that cannot run (the run fails at once with this message)."""


def backfill_source_names(sources: Sequence[Any]) -> tuple[str, ...]:
    """Names of the enabled sources a backfill can walk day by day, in config order."""
    return tuple(s.name for s in sources if s.kind in BACKFILL_KINDS and s.enabled)


def _configured_choices() -> tuple[str, ...]:
    """The backfill choices of the configured sources file; empty when it cannot be read."""
    from scrapers.errors import SourcesConfigError
    from scrapers.sources import load_sources_file

    path = get_settings().sources_file
    try:
        config = load_sources_file(path)
    except SourcesConfigError as exc:
        log.warning("no backfill source choices: cannot read %s: %s", path, exc)
        return ()
    return backfill_source_names(config.sources)


SOURCE_CHOICES: tuple[str, ...] = _configured_choices()

if TYPE_CHECKING:
    SourceName = str
elif SOURCE_CHOICES:
    # An explicit enum: with a single choice pydantic would emit "const", which the UI does not
    # render as a multi-select.
    SourceName = Annotated[
        Literal.__getitem__(SOURCE_CHOICES),
        WithJsonSchema({"type": "string", "enum": list(SOURCE_CHOICES)}),
    ]
else:  # no readable config: free text, still checked against the config when the run starts
    SourceName = str

START_FIELD: Any = Field(
    ...,
    description="First day to fetch (inclusive), as shown in the source's day archive.",
)
END_FIELD: Any = Field(
    ...,
    description="Last day to fetch (inclusive). At most the configured maximum after the start.",
)
SOURCES_FIELD: Any = Field(
    [],
    description="Archive or sitemap sources to walk; leave empty for all of them.",
)
REFETCH_FIELD: Any = Field(
    False,
    description=(
        "Walk days that an earlier backfill already finished and fetch known articles again "
        "(new text becomes a new version)."
    ),
)


def given(value: Any) -> Any:
    """A parameter's value, or its declared default when Prefect passed the ``Field`` itself.

    A flow called without an optional parameter receives the ``FieldInfo`` default object.
    """
    if isinstance(value, FieldInfo):
        return value.get_default(call_default_factory=True)
    return value


@dataclass(frozen=True, slots=True)
class BackfillPlan:
    """A checked backfill: which sources, which days (oldest first), and the re-fetch switch."""

    start: date
    end: date
    sources: tuple[str, ...]
    refetch: bool

    @property
    def days(self) -> list[date]:
        """Every day of the range, oldest first."""
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def plan_backfill(
    start: date,
    end: date,
    sources: Sequence[str] | None,
    refetch: bool,
    choices: Sequence[str],
    max_days: int,
) -> BackfillPlan:
    """Check the parameters against the configuration; raise a clear error when they cannot run."""
    if end < start:
        raise BackfillParameterError(
            f"end date {end.isoformat()} is before start date {start.isoformat()}"
        )
    n_days = (end - start).days + 1
    if n_days > max_days:
        raise BackfillParameterError(
            f"{start.isoformat()}..{end.isoformat()} is {n_days} days; the configured maximum "
            f"is {max_days} days (schedule.backfill_max_days): split the range into smaller runs"
        )
    if not choices:
        raise BackfillParameterError("no enabled archive or sitemap source is configured")
    wanted = list(dict.fromkeys(sources or []))
    unknown = [name for name in wanted if name not in choices]
    if unknown:
        raise BackfillParameterError(
            f"unknown source(s) {', '.join(unknown)}; choose from {', '.join(choices)}"
        )
    return BackfillPlan(
        start=start, end=end, sources=tuple(wanted or choices), refetch=bool(refetch)
    )
