"""Publishing after an ingest run, configured from the settings: what every runner calls.

:func:`publish_with_settings` resolves the taxonomy, zone, alerts file and SMTP from the
``NEWSMON_*`` settings and runs :func:`pipeline.ingest.publish.publish_after_ingest`, so the
CLI, the Prefect ingest flow and the scheduler publish the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Engine

from composition.digest_setup import DigestSettingsError, digest_zone, smtp_from_settings
from composition.settings import Settings, get_settings

if TYPE_CHECKING:
    from pipeline.ingest.publish import PublishReport


def feed_topics(settings: Settings) -> tuple[dict[str, str], str]:
    """(slug -> label of every topic, the relevance topic's slug) from the topics file."""
    from processing.taxonomy import TaxonomyError, parse_taxonomy

    try:
        taxonomy = parse_taxonomy(settings.topics_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, TaxonomyError) as exc:
        raise DigestSettingsError(
            f"cannot use the topics file {settings.topics_file}: {exc}"
        ) from exc
    return {t.slug: t.label for t in taxonomy.topics}, taxonomy.relevance_topic


def publish_with_settings(engine: Engine, settings: Settings | None = None) -> PublishReport:
    """Feeds and alerts after an ingest run, configured from the ``NEWSMON_*`` settings.

    Raises:
        DigestSettingsError: unusable topics file or time zone.
        AlertsConfigError: invalid alerts file (one line naming file, alert and field).
    """
    from pipeline.ingest.publish import load_alerts_file, publish_after_ingest

    settings = settings or get_settings()
    topics, relevance = feed_topics(settings)
    return publish_after_ingest(
        engine,
        data_dir=settings.data_dir,
        topics=topics,
        relevance_topic=relevance,
        alerts=load_alerts_file(settings.alerts_file, known_topics=list(topics)),
        smtp=smtp_from_settings(settings),
        tz=digest_zone(settings),
    )
