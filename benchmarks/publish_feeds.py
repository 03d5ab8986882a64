"""Feeds and alerts after an ingest run on a large archive: time ``publish_after_ingest``.

Loads a fresh SQLite database (or ``--database-url``) with ``--stories`` stories of four
articles each over four outlets, tagged with the relevance topic and one of five subtopics;
the newest ``--recent`` stories were first seen within the alert window and break (three
outlets within three hours). Two alerts (a topic, a breaking rule) with an email channel and no
SMTP server, so every delivery fails fast and is recorded. Times:

* ``first_s``: the first publish (6 feeds of 100 entries, evaluation, firings, deliveries);
* ``again_s``: the next publish with nothing new (6 feeds, evaluation, owed retries);
* ``feed_s``: one feed of the relevance topic (``build_feed``), median of 5.

Prints ONE JSON line. Usage: ``.venv/bin/python benchmarks/publish_feeds.py [--stories 5000]``
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from pipeline.ingest.publish import PublishReport, build_feed, publish_after_ingest
from processing.alerts import parse_alerts
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Article, ArticleTag, Story

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
OUTLETS = ("nos.nl", "nu.nl", "rtl.nl", "volkskrant.nl")
SUBTOPICS = (
    "military-cooperation",
    "nuclear-weapons",
    "union-state",
    "sanctions-economy",
    "leaders-diplomacy",
)
TOPICS = {"belarus-russia": "Belarus–Russia relations", **{s: s for s in SUBTOPICS}}
TEXT = (
    "Loekasjenko en Poetin spraken in Minsk over de Uniestaat en de gezamenlijke legereenheid. "
    "De oppositie waarschuwt voor verdere inlijving. Sancties treffen de kalihandel hard. "
) * 4
ALERTS = parse_alerts(
    '[[alerts]]\nname = "military"\ntopic = "military-cooperation"\nemail_to = ["d@e.org"]\n'
    '[[alerts]]\nname = "breaking"\nbreaking = { outlets = 3, hours = 6 }\nemail_to = ["d@e.org"]\n'
)


def load(url: str, n_stories: int, recent: int) -> None:
    engine = make_engine(url)
    stories, articles, tags = [], [], []
    article_id = 0
    for s in range(1, n_stories + 1):
        fresh = s > n_stories - recent
        base = NOW - timedelta(hours=5) if fresh else NOW - timedelta(days=3 + (n_stories - s) / 50)
        stories.append({"id": s, "label": f"story {s}", "representative_id": article_id + 1})
        for k, outlet in enumerate(OUTLETS):
            article_id += 1
            at = base + timedelta(hours=k)
            url = f"https://www.{outlet}/artikel/{article_id}"
            articles.append(
                {
                    "id": article_id,
                    "canonical_url": url,
                    "url": url,
                    "origin": "rss",
                    "title": f"Bericht {article_id} over Belarus",
                    "text": TEXT,
                    "n_chars": len(TEXT),
                    "text_hash": f"h{article_id}",
                    "relevant": True,
                    "published_at": at,
                    "date_precision": "day",
                    "first_seen_at": at,
                    "last_checked_at": at,
                    "updated_at": at,
                    "story_id": s,
                    "version": 1,
                }
            )
            for slug in ("belarus-russia", SUBTOPICS[s % len(SUBTOPICS)]):
                tags.append(
                    {
                        "article_id": article_id,
                        "topic": slug,
                        "label": slug,
                        "score": 2.0,
                        "evidence": [],
                    }
                )
    with engine.begin() as conn:
        conn.execute(insert(Story), stories)
        conn.execute(insert(Article), articles)
        conn.execute(insert(ArticleTag), tags)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stories", type=int, default=5000)
    parser.add_argument("--recent", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # every delivery fails by design: one JSON line only
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        load(url, args.stories, args.recent)
        engine = make_engine(url)
        data_dir = Path(tmp)

        def publish(now: datetime) -> tuple[PublishReport, float]:
            began = time.perf_counter()
            report = publish_after_ingest(
                engine,
                data_dir=data_dir,
                topics=TOPICS,
                relevance_topic="belarus-russia",
                alerts=ALERTS,
                now=now,
            )
            return report, time.perf_counter() - began

        first, first_s = publish(NOW)
        again, again_s = publish(NOW + timedelta(minutes=30))
        feed_times = []
        for _ in range(5):
            start = time.perf_counter()
            build_feed(
                engine, slug="belarus-russia", title="B", relevance_topic="belarus-russia", now=NOW
            )
            feed_times.append(time.perf_counter() - start)
        engine.dispose()
    print(
        json.dumps(
            {
                "benchmark": "publish_feeds",
                "backend": url.split(":", 1)[0],
                "stories": args.stories,
                "articles": args.stories * len(OUTLETS),
                "feeds": len(first.feeds),
                "fired": first.fired,
                "fired_again": again.fired,
                "first_s": round(first_s, 3),
                "again_s": round(again_s, 3),
                "feed_s": round(statistics.median(feed_times), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
