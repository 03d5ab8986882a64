"""Every deployment and schedule of newsmon, declared in this one file (``newsmon serve``).

``serve`` registers four deployments with the Prefect API of ``PREFECT_API_URL`` and runs their
flow runs in this process: ``ingest/poll-sources`` on ``schedule.ingest_cron`` (default every
30 min), ``digest/daily-digest`` on ``schedule.digest_cron`` (default 07:00, emailed when
recipients are set), and ``backfill/backfill-days`` and ``retag/retag-articles`` without a
schedule, started from their forms in
the Prefect UI. Schedules run in ``schedule.timezone``; ``pause_on_shutdown=False`` keeps them
active across a restart. :func:`scheduled_jobs` declares the same ingest and digest schedules
for ``newsmon schedule`` (APScheduler in-process, no server).
"""

from __future__ import annotations

import warnings
from typing import Any, cast

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron
from prefect.types.entrypoint import EntrypointType

from flows.backfill_flow import backfill_form
from flows.digest_flow import digest
from flows.ingest_flow import ingest
from flows.retag_flow import retag_flow
from flows.scheduler import ScheduledJob, cron_trigger, flow_call
from pipeline.backfill import backfill_source_names
from scrapers.sources import SourcesConfig

# One name per deployment, saying what it does (the Prefect UI lists them side by side).
INGEST_DEPLOYMENT = "poll-sources"
DIGEST_DEPLOYMENT = "daily-digest"
BACKFILL_DEPLOYMENT = "backfill-days"
RETAG_DEPLOYMENT = "retag-articles"
TAGS = ["newsmon"]


def build_deployments(config: SourcesConfig) -> list[RunnerDeployment]:
    """The four deployments, with the schedules of ``config``."""
    zone = config.schedule.timezone
    common: dict[str, Any] = {
        "tags": TAGS,
        "concurrency_limit": 1,  # never two runs of one deployment at once
        "entrypoint_type": EntrypointType.MODULE_PATH,  # runs from any working directory
    }
    deployments = [
        ingest.to_deployment(
            INGEST_DEPLOYMENT,
            schedules=[Cron(config.schedule.ingest_cron, timezone=zone)],
            description=(
                f"Poll every enabled source on schedule ({config.schedule.ingest_cron}, {zone}) "
                "and store new articles. A run where some sources failed ends Partial (red), "
                "naming each failed source and its reason; the ingest-report artifact lists "
                "the failures first."
            ),
            **common,
        ),
        digest.to_deployment(
            DIGEST_DEPLOYMENT,
            schedules=[Cron(config.schedule.digest_cron, timezone=zone)],
            parameters={"send_email": True, "previous_day": True},
            description=(
                f"Every day ({config.schedule.digest_cron}, {zone}): write the digest of the "
                "previous day (Markdown and HTML) and email it when recipients are configured."
            ),
            **common,
        ),
        backfill_form(backfill_source_names(config.sources)).to_deployment(
            BACKFILL_DEPLOYMENT,
            description=(
                "Fetch past days from archive pages and sitemaps. Start it from the run form: "
                "pick the dates and (optionally) the sources."
            ),
            **common,
        ),
        retag_flow.to_deployment(
            RETAG_DEPLOYMENT,
            description=(
                "Re-tag the stored articles with the configured taxonomy (after checking the "
                "change with `newsmon rules test`); optionally only those since a day."
            ),
            **common,
        ),
    ]
    return [cast(RunnerDeployment, d) for d in deployments]


def serve_deployments(config: SourcesConfig, limit: int | None = None) -> None:
    """Register the deployments and run their flow runs until interrupted (blocks)."""
    # Prefect's runner answers SIGTERM by calling its async-dispatched ``stop()`` from inside
    # its own event loop, which only makes the ``astop`` coroutine, then exits: the process
    # stops as it should, but Python warns on every stop that the coroutine was never awaited.
    warnings.filterwarnings(
        "ignore", message="coroutine 'Runner.astop' was never awaited", category=RuntimeWarning
    )
    serve(
        *build_deployments(config),
        pause_on_shutdown=False,
        print_starting_message=True,
        limit=limit,
    )


def scheduled_jobs(config: SourcesConfig, ingest_now: bool = False) -> list[ScheduledJob]:
    """The ingest and digest schedules of ``config`` as in-process jobs (``newsmon schedule``)."""
    zone = config.schedule.timezone
    return [
        ScheduledJob(
            "ingest",
            flow_call(ingest),
            cron_trigger(config.schedule.ingest_cron, zone),
            run_now=ingest_now,
        ),
        ScheduledJob(
            "digest",
            flow_call(digest, send_email=True, previous_day=True),
            cron_trigger(config.schedule.digest_cron, zone),
        ),
    ]
