"""The ingest context of a run, built the same way for every runner.

:func:`context_for` turns settings and the sources file into the
:class:`pipeline.ingest.IngestContext` that the CLI, the Prefect flows and the scheduler pass
to the same driver.
"""

from __future__ import annotations

from sqlalchemy import Engine

from composition.runtime import engine_for
from composition.settings import Settings, current_config, get_settings, make_processor
from pipeline.ingest import IngestContext
from pipeline.pacing_db import process_pacer
from pipeline.processor import Processor
from scrapers.pacing import HostPacer
from scrapers.sources import SourcesConfig

CHUNK_SIZE = 50  # candidates fetched and stored per chunk of a source


def context_for(
    engine: Engine,
    config: SourcesConfig,
    settings: Settings,
    *,
    refetch: bool = False,
    trigger: str = "cli",
    pacer: HostPacer | None = None,
    build_now: bool = False,
) -> IngestContext:
    """An ingest context over ``engine``; a run's processor is built from the configured
    taxonomy when first needed (with ``build_now``, the first one now: a broken taxonomy then
    stops a command before any fetch). Without ``pacer``, one per process (parallel tasks still
    space requests per host), shared with other processes through the database when
    ``NEWSMON_PACER`` says so."""
    built = [make_processor(settings)] if build_now else []

    def new_processor() -> Processor:
        return built.pop() if built else make_processor(settings)

    return IngestContext(
        new_processor=new_processor,
        engine=engine,
        config=config,
        refetch=refetch,
        trigger=trigger,
        chunk_size=CHUNK_SIZE,
        pacer=pacer or process_pacer(engine, settings.pacer),
    )


def make_context(db_url: str, refetch: bool, trigger: str) -> IngestContext:
    """A flow task's context (cheap: the engine and config are cached per process)."""
    settings = get_settings()
    return context_for(
        engine_for(db_url),
        current_config(settings),
        settings,
        refetch=refetch,
        trigger=trigger,
    )
