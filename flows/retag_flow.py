"""The ``retag`` flow: apply the configured taxonomy to the stored articles (manual runs only).

Only wiring around :func:`pipeline.retag.retag`, the same job as ``newsmon retag``: run it after
editing ``NEWSMON_TOPICS_FILE`` (and checking the change with ``newsmon rules test``). A broken
taxonomy fails the run at once with the file, topic and rule, before anything is written.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger
from pydantic import Field

from composition.runtime import database_url, engine_for
from composition.settings import get_settings
from digests.select import day_window
from pipeline.processor import load_tagger
from pipeline.retag import default_workers, retag
from processing.taxonomy import TaxonomyError

SINCE_FIELD: Any = Field(
    None,
    description=(
        "Only re-tag articles published on or after this day (undated ones: first seen since "
        "then). Leave empty for every stored article."
    ),
)


@flow(name="retag", log_prints=False)
def retag_flow(since: date | None = SINCE_FIELD) -> dict[str, int]:
    """Re-tag the stored articles with the configured taxonomy: tags, relevance, evidence and
    stories. Safe to repeat and to restart: unchanged articles are not written."""
    logger = get_run_logger()
    settings = get_settings()
    try:
        tagger = load_tagger(settings.topics_file.resolve(), settings.seeds_dir.resolve())
    except TaxonomyError as exc:  # the run's state message names the file, topic and rule
        raise TaxonomyError(f"{settings.topics_file}: {exc}") from exc
    start = day_window(since, ZoneInfo(settings.timezone))[0] if since else None
    report = retag(engine_for(database_url(settings)), tagger, start, workers=default_workers())
    summary = {
        "articles": report.articles,
        "changed": report.changed,
        "became_relevant": report.became_relevant,
        "stopped_relevant": report.stopped_relevant,
        "stories_created": report.stories_created,
        "stories_joined": report.stories_joined,
        "stories_left": report.stories_left,
        "stories_deleted": report.stories_deleted,
    }
    logger.info("retag: %s", ", ".join(f"{k} {v}" for k, v in summary.items()))
    return summary
