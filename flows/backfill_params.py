"""The backfill flow's parameters: typed so the Prefect UI renders them as a form.

Nothing is read on import. The source choices come from the configured sources file when the
deployments are built (:func:`source_choice_type`, used by ``flows/backfill_flow.py`` for
``flows/serve.py``), so the run form shows a multi-select of real source names; the flow checks
the chosen ones when it starts (:func:`pipeline.backfill.plan_backfill`, which also refuses end
before start and a range over the configured maximum with a clear message).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema
from pydantic.fields import FieldInfo

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


def source_choice_type(choices: Sequence[str]) -> Any:
    """The type of one source of the form: one of ``choices`` (free text when there are none).

    An explicit enum: with a single choice pydantic would emit "const", which the UI does not
    render as a multi-select.
    """
    if not choices:
        return str
    return Annotated[
        Literal.__getitem__(tuple(choices)),
        WithJsonSchema({"type": "string", "enum": list(choices)}),
    ]
