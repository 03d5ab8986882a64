"""A story breaking across three outlets of the local site alerts once: three NOS-like sites
on three loopback addresses each publish the event, the real ingest job stores them, and
``publish_after_ingest`` fires the ``breaking`` alert; a second ingest + publish sends nothing.
Both backends."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from pipeline.ingest import IngestContext, run_ingest
from pipeline.ingest.publish import publish_after_ingest
from processing.alerts import parse_alerts
from scrapers.sources import SourceConfig, SourcesConfig
from storage.db import session_scope
from storage.firings import recent_firings
from tests.site.feeds import FeedItem, rss
from tests.site.pages import article_page
from tests.site.server import NosSite
from tests.test_digest_mail import free_port
from tests.webhook_receiver import WebhookReceiver

HOSTS = ("127.0.0.3", "127.0.0.4", "127.0.0.5")
TOPICS = {"belarus-russia": "Belarus–Russia relations"}


@pytest.fixture
def outlets() -> Iterator[list[NosSite]]:
    """Three copies of the local site, one per loopback address (an outlet is a host)."""
    sites = [NosSite(host=host, trap_host="127.0.0.6") for host in HOSTS]
    try:
        for site in sites:
            site.start()
        yield sites
    finally:
        for site in sites:
            site.stop()


def publish_event(sites: list[NosSite], now: datetime) -> SourcesConfig:
    """Each site publishes its own article on one event, an hour apart, in its feed."""
    template = next(a for a in sites[0].content.articles if a.relevant and len(a.paragraphs) > 2)
    sources = []
    for i, site in enumerate(sites):
        paragraphs = template.paragraphs[i:] + template.paragraphs[:i]
        article = dataclasses.replace(
            template,
            id=9100 + i,
            slug=f"{template.slug}-{i}",
            title=f"{template.title} ({site.host})",
            published=now - timedelta(hours=3 - i),
            paragraphs=paragraphs,
            explicit_path="",
        )
        site.add_page(article.path, article_page(site.base_url, article, []).encode())
        item = FeedItem(
            article.title, site.url(article.path), article.published, article.lead, str(article.id)
        )
        feed = rss(site.base_url, "Nieuws", "/breaking.xml", [item])
        site.add_page("/breaking.xml", feed.encode(), "application/rss+xml; charset=utf-8")
        sources.append(
            SourceConfig(
                name=f"outlet-{i}",
                kind="rss",
                url=site.url("/breaking.xml"),
                allowed_hosts=[site.host],
            )
        )
    return SourcesConfig(fetch=sites[0].fetch_config(), sources=tuple(sources))


def test_a_story_across_three_outlets_alerts_once(
    engine: Engine, tmp_path: Path, outlets: list[NosSite]
) -> None:
    config = publish_event(outlets, datetime.now(UTC))
    with WebhookReceiver(free_port()) as hook:
        alerts = parse_alerts(
            f'[[alerts]]\nname = "breaking"\nbreaking = {{ outlets = 3, hours = 6 }}\n'
            f'webhook_url = "{hook.url}"\n'
        )

        def ingest_and_publish() -> tuple[int, int]:
            report = run_ingest(IngestContext(engine, config))
            published = publish_after_ingest(
                engine,
                data_dir=tmp_path,
                topics=TOPICS,
                relevance_topic="belarus-russia",
                alerts=alerts,
            )
            assert published.failed == []
            return report.total_new, published.sent

        assert ingest_and_publish() == (3, 1)
        assert ingest_and_publish() == (0, 0)

    (body,) = hook.bodies
    assert body["alert"] == "breaking"
    assert body["outlets"] == list(HOSTS)
    assert [a["outlet"] for a in body["articles"]] == list(HOSTS)
    assert body["url"].startswith(outlets[0].url("/artikel/9100-"))  # the first to publish
    with session_scope(engine) as session:
        (firing,) = recent_firings(session)
    assert firing.story_id == body["story_id"]
    assert [(d.channel, d.status, d.attempts) for d in firing.deliveries] == [
        ("webhook", "sent", 1)
    ]
    assert (tmp_path / "feeds" / "belarus-russia.atom").is_file()
