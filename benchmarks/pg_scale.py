"""PostgreSQL at scale: load synthetic articles, time the digest's day query and full-text search.

Creates a fresh database next to the admin URL's, migrates it with newsmon's own migrations
(so every index the code ships is in place while loading), COPYs ``--rows`` synthetic articles
in batches, ANALYZEs, then times the queries the code runs:

* day query: ``storage.digests.articles_seen_in`` for one day (what ``newsmon digest`` reads),
  and ``articles_published_in`` for the published-date mode;
* full-text: ``storage.search.search_articles`` with beat queries (Dutch text search, ranked).

Prints ONE JSON line. Goals: day query < 100 ms, full-text < 300 ms (median and p95, after one
warm-up pass). Usage::

    .venv/bin/python benchmarks/pg_scale.py [--rows 1000000] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.db import make_engine, session_scope
from storage.digests import articles_published_in, articles_seen_in
from storage.migrate import upgrade
from storage.search import search_articles

REPO = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get(
    "NEWSMON_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
START = datetime(2023, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=3 * 365)
RELEVANT_SHARE = 0.03
TOPICS = (
    "military",
    "nuclear",
    "union_state",
    "repression",
    "sanctions",
    "diplomacy",
    "ukraine_war",
    "wagner",
    "migration",
)
# Words that make an article part of the beat: kept out of the background vocabulary.
BEAT = re.compile(
    r"belarus|loekasjenk|wit-?rus|poetin|rusland|russisch|oekra|kernwapen|wagner|uniestaat"
    r"|minsk|moskou|kremlin|sanctie|leger|troepen",
    re.IGNORECASE,
)
BEAT_SENTENCES = (
    "De Belarussische president Loekasjenko sprak met Poetin over de Uniestaat.",
    "Wit-Rusland en Rusland houden gezamenlijke militaire oefeningen bij de grens.",
    "Nieuwe sancties treffen de economie van Belarus na de verkiezingen.",
    "Russische kernwapens worden volgens Minsk in Belarus gestationeerd.",
    "Wagner-huurlingen zijn volgens de oppositie in Belarus gearriveerd.",
    "De oppositie in Wit-Rusland meldt nieuwe arrestaties en repressie.",
)
QUERIES = (
    "Loekasjenko",
    "Belarus Rusland",
    "Wit-Rusland sancties",
    "Uniestaat",
    "kernwapens Belarus",
    "Wagner huurlingen",
    "Poetin Loekasjenko",
)
ARTICLE_COLUMNS = (
    "id, canonical_url, url, source_id, origin, title, language, published_at, date_precision, "
    "date_source, text, n_chars, text_hash, relevant, relevance_score, version, first_seen_at, "
    "last_checked_at, updated_at, story_id"
)


@dataclass(slots=True)
class Corpus:
    """Background paragraphs built from the seed corpus's general (non-beat) vocabulary."""

    paragraphs: list[str]
    titles: list[str]


def build_corpus(rng: random.Random, n_paragraphs: int = 4000) -> Corpus:
    """Zipf-weighted Dutch words from ``seeds/`` without the beat's own terms."""
    counts: dict[str, int] = {}
    for path in sorted((REPO / "seeds").glob("*.txt")):
        for word in re.findall(r"[^\W\d_][\w-]*", path.read_text(encoding="utf-8")):
            if not BEAT.search(word):
                counts[word.lower()] = counts.get(word.lower(), 0) + 1
    vocab = sorted(counts, key=lambda w: (-counts[w], w))
    weights = [1.0 / (rank + 1) for rank in range(len(vocab))]
    paragraphs = []
    for _ in range(n_paragraphs):
        words = rng.choices(vocab, weights=weights, k=rng.randint(50, 110))
        paragraphs.append(" ".join(words).capitalize() + ".")
    titles = [" ".join(rng.choices(vocab, weights=weights, k=7)).capitalize() for _ in range(500)]
    return Corpus(paragraphs, titles)


def article_rows(
    rng: random.Random, corpus: Corpus, start_id: int, n: int, total: int, n_stories: int
) -> Iterator[tuple[object, ...]]:
    """``n`` articles in first-seen order from ``start_id``: ~3 % on the beat, ~3 % updated."""
    for article_id in range(start_id, start_id + n):
        seen = START + SPAN * (article_id / total) + timedelta(minutes=rng.uniform(0, 30))
        relevant = rng.random() < RELEVANT_SHARE
        parts = rng.sample(corpus.paragraphs, rng.randint(3, 6))
        if relevant:
            parts.insert(1, " ".join(rng.sample(BEAT_SENTENCES, 2)))
        text = "\n\n".join(parts)
        roll = rng.random()
        precision = "day" if roll < 0.95 else "month" if roll < 0.98 else "unknown"
        published = None if precision == "unknown" else seen - timedelta(hours=rng.uniform(0, 6))
        if precision == "month" and published is not None:
            published = published.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        updated = seen + timedelta(hours=rng.uniform(1, 96)) if rng.random() < 0.03 else seen
        url = f"https://nos.nl/artikel/{article_id}-synthetisch"
        yield (
            article_id,
            url,
            url,
            1 + article_id % 5,
            "rss",
            rng.choice(corpus.titles),
            "nl",
            published,
            precision,
            "feed",
            text,
            len(text),
            hashlib.sha256(text.encode()).hexdigest(),
            relevant,
            0.9 if relevant else 0.1,
            2 if updated > seen else 1,
            seen,
            updated,
            updated,
            1 + article_id % n_stories if relevant else None,
        )


def load(dsn: str, rows: int, batch: int, rng: random.Random) -> tuple[float, int]:
    """COPY sources, stories, articles and their tags in batches; return (seconds, n_tags)."""
    corpus = build_corpus(rng)
    n_stories = max(1, int(rows * RELEVANT_SHARE / 4))
    n_tags = 0
    began = time.perf_counter()
    with psycopg.connect(dsn) as conn:
        with conn.cursor() as cur:
            for i in range(1, 6):
                cur.execute(
                    "INSERT INTO sources (id, name, kind, url, enabled, priority, created_at, "
                    "status, consecutive_failures) VALUES (%s, %s, 'rss', %s, true, 100, now(), "
                    "'ok', 0)",
                    (i, f"nos-feed-{i}", f"https://feeds.nos.nl/feed{i}"),
                )
            with cur.copy(
                "COPY stories (id, label, created_at, updated_at, first_published_at, "
                "last_published_at) FROM STDIN"
            ) as copy:
                for story_id in range(1, n_stories + 1):
                    when = START + SPAN * (story_id / n_stories)
                    copy.write_row((story_id, f"verhaal {story_id}", when, when, when, when))
        conn.commit()
        for start_id in range(1, rows + 1, batch):
            n = min(batch, rows + 1 - start_id)
            tags: list[tuple[object, ...]] = []
            with conn.cursor() as cur:
                with cur.copy(f"COPY articles ({ARTICLE_COLUMNS}) FROM STDIN") as copy:
                    for row in article_rows(rng, corpus, start_id, n, rows, n_stories):
                        copy.write_row(row)
                        if row[13]:
                            for topic in rng.sample(TOPICS, rng.randint(1, 3)):
                                tags.append((row[0], topic, topic.replace("_", " "), 0.8, "[]"))
                with cur.copy(
                    "COPY article_tags (article_id, topic, label, score, evidence) FROM STDIN"
                ) as copy:
                    for tag in tags:
                        copy.write_row(tag)
            conn.commit()
            n_tags += len(tags)
            print(f"loaded {start_id + n - 1:>9,} articles", file=sys.stderr, flush=True)
        with conn.cursor() as cur:
            for table in ("articles", "stories", "sources"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        conn.commit()
    seconds = time.perf_counter() - began
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return seconds, n_tags


def timed(fn: Callable[[], int], rounds: int) -> tuple[list[float], int]:
    """Milliseconds of each call after one warm-up call, and the last call's result size."""
    size = fn()
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        size = fn()
        samples.append((time.perf_counter() - began) * 1000)
    return samples, size


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median": round(statistics.median(ordered), 2), "p95": round(p95, 2)}


def _n_seen(session: Session, start: datetime, end: datetime) -> int:
    return len(articles_seen_in(session, start, end))


def _n_published(
    session: Session, start: datetime, end: datetime, month: tuple[datetime, datetime]
) -> int:
    return len(articles_published_in(session, start, end, month))


def _n_hits(session: Session, query: str) -> int:
    return len(search_articles(session, query))


def measure(url: str, rng: random.Random, rounds: int) -> dict[str, object]:
    """Time the day queries on 20 random days and each full-text query ``rounds`` times."""
    engine = make_engine(url)
    days = [START + timedelta(days=rng.randint(30, SPAN.days - 30)) for _ in range(20)]
    seen_ms: list[float] = []
    published_ms: list[float] = []
    fulltext_ms: list[float] = []
    day_rows: list[int] = []
    hits: dict[str, int] = {}
    try:
        with session_scope(engine) as session:
            for day in days:
                end = day + timedelta(days=1)
                month = (
                    day.replace(day=1),
                    (day.replace(day=1) + timedelta(days=32)).replace(day=1),
                )
                samples, size = timed(partial(_n_seen, session, day, end), rounds)
                seen_ms += samples
                day_rows.append(size)
                samples, _ = timed(partial(_n_published, session, day, end, month), rounds)
                published_ms += samples
            for query in QUERIES:
                samples, _ = timed(partial(_n_hits, session, query), rounds)
                fulltext_ms += samples
                # How many articles each query had to rank (search_articles returns the top 20).
                hits[query] = session.execute(
                    text(
                        "SELECT count(*) FROM articles "
                        "WHERE search_vector @@ plainto_tsquery('dutch', :q)"
                    ),
                    {"q": query},
                ).scalar_one()
            with session.connection().exec_driver_sql(
                "SELECT count(*) FILTER (WHERE relevant), count(*) FROM articles"
            ) as result:
                relevant, total = result.one()
    finally:
        engine.dispose()
    day_query, fulltext = summary(seen_ms), summary(fulltext_ms)
    return {
        "articles": total,
        "relevant_articles": relevant,
        "day_query_ms": day_query,
        "day_query_rows_median": statistics.median(day_rows),
        "day_published_query_ms": summary(published_ms),
        "fulltext_query_ms": fulltext,
        "fulltext_matches": hits,
        "goals_met": day_query["p95"] < 100 and fulltext["p95"] < 300,
    }


@contextmanager
def fresh_database(keep: bool) -> Iterator[str]:
    """A new database beside the admin URL's; dropped afterwards unless ``keep``."""
    name = f"newsmon_bench_{uuid.uuid4().hex[:10]}"
    admin_dsn = ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        if keep:
            print(f"kept database {name}", file=sys.stderr)
        else:
            with psycopg.connect(admin_dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5, help="timed calls per query")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with fresh_database(args.keep) as url:
        upgrade(url)
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        seconds, n_tags = load(dsn, args.rows, args.batch, rng)
        result: dict[str, object] = {
            "benchmark": "pg_scale",
            "rows": args.rows,
            "load_seconds": round(seconds, 1),
            "load_rows_per_s": round(args.rows / seconds),
            "tags": n_tags,
        }
        result.update(measure(url, rng, args.rounds))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
