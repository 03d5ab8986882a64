"""`rules test` and `retag` over 100,000 stored articles: time and peak memory.

Stores ``--articles`` synthetic articles of news length (6-9 paragraphs, ~4,000 characters)
through ``storage.articles.insert_new_articles`` (the ingest's bulk insert), untagged; about
4 % mix sentences of the seed corpus into their paragraphs and are on the beat. Then, in a
fresh child process (so its peak RSS is that of the jobs, not of the generator), with the
shipped taxonomy and one tagging worker per core:

* ``backtest``: ``newsmon rules test`` (every on-beat article would change);
* ``retag``: ``newsmon retag`` writing those changes (tags, relevance, stories);
* ``retag_again``: a second retag, which reads and tags everything and writes nothing.

Prints ONE JSON line. Goals: backtest < 60 s, retag < 120 s, peak RSS < 1 GiB per process.
Usage: ``.venv/bin/python benchmarks/retag_scale.py [--articles N] [--backend sqlite|postgresql]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.processor import DEFAULT_SEEDS_DIR, DEFAULT_TOPICS_FILE, load_tagger
from pipeline.retag import backtest, default_workers, retag
from scrapers.seedfiles import load_seed_dir
from storage.articles import NewArticle, insert_new_articles
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from storage.records import ArticleRecord

PG_ADMIN_URL = os.environ.get(
    "NEWSMON_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
FUNCTION_TEXT = (
    "de het een en van in op te dat die voor met is zijn niet aan er ook om maar bij als naar "
    "door over nog wel uit dan tot was werd heeft hebben zegt volgens jaar nieuwe minister"
)
FUNCTION_WORDS = FUNCTION_TEXT.split()
START = datetime(2022, 1, 1, tzinfo=UTC)
BEAT_SHARE = 0.04
BATCH = 2000


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = "aaabcdeeeeefghiijkllmnnnoooprrsssttuvwz"
    return ["".join(rng.choices(letters, k=rng.randint(3, 12))) for _ in range(size)]


def _paragraphs(rng: random.Random, count: int) -> list[str]:
    """A pool of filler paragraphs over a Zipf-like vocabulary of 60,000 words."""
    vocab = _vocabulary(rng, 60_000)
    weights = [1.0 / (rank + 1) for rank in range(len(vocab))]
    pool = []
    for _ in range(count):
        n = rng.randint(60, 110)
        words = rng.choices(vocab, weights=weights, k=n // 2) + rng.choices(
            FUNCTION_WORDS, k=n // 2
        )
        rng.shuffle(words)
        pool.append(" ".join(words).capitalize() + ".")
    return pool


def _seed_sentences() -> list[str]:
    loaded = load_seed_dir(DEFAULT_SEEDS_DIR)
    sentences: list[str] = []
    for article in loaded.articles:
        sentences.extend(s.strip() + "." for s in article.text.split(".") if len(s.split()) > 6)
    return sentences


def generate(url: str, n: int, seed: int = 7) -> dict[str, float]:
    """Store ``n`` articles; returns the number on the beat and the seconds it took."""
    rng = random.Random(seed)
    pool = _paragraphs(rng, 4000)
    sentences = _seed_sentences()
    engine = make_engine(url)
    started = time.perf_counter()
    beat = 0
    for first in range(0, n, BATCH):
        items = []
        for i in range(first, min(n, first + BATCH)):
            paragraphs = rng.sample(pool, rng.randint(6, 9))
            title = " ".join(paragraphs[0].split()[:8])
            if rng.random() < BEAT_SHARE:
                beat += 1
                picked = rng.sample(sentences, rng.randint(3, 6))
                title = picked[0][:120]
                paragraphs = [f"{s} {p}" for s, p in zip(picked, paragraphs, strict=False)] + (
                    paragraphs[len(picked) :]
                )
            text = "\n\n".join(paragraphs)
            record = ArticleRecord(
                canonical_url=f"https://bench.example/{i}",
                title=title,
                text=text,
                origin="rss",
                published_at=START + timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60)),
                date_precision="day",
            )
            digest = hashlib.sha256(text.encode()).hexdigest()
            items.append(NewArticle(record, digest, None, [], False, 0.0))
        with session_scope(engine) as session:
            insert_new_articles(session, items)
    engine.dispose()
    return {"beat": beat, "seconds": time.perf_counter() - started}


def measure(url: str) -> dict[str, object]:
    """Run the three jobs (in this fresh process) and report times, counts and peak RSS."""
    engine = make_engine(url)
    tagger = load_tagger(DEFAULT_TOPICS_FILE, DEFAULT_SEEDS_DIR)
    workers = default_workers()
    out: dict[str, object] = {"workers": workers}
    started = time.perf_counter()
    result = backtest(engine, tagger, workers=workers)
    out["backtest_s"] = round(time.perf_counter() - started, 1)
    out["backtest_changed"] = result.changed
    started = time.perf_counter()
    report = retag(engine, tagger, workers=workers)
    out["retag_s"] = round(time.perf_counter() - started, 1)
    out["retag_changed"] = report.changed
    out["stories_created"] = report.stories_created
    out["stories_joined"] = report.stories_joined
    started = time.perf_counter()
    again = retag(engine, tagger, workers=workers)
    out["retag_again_s"] = round(time.perf_counter() - started, 1)
    out["retag_again_changed"] = again.changed
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    out["worker_peak_rss_mib"] = round(
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    )
    engine.dispose()
    return out


def _pg_database() -> tuple[str, str]:
    import psycopg

    name = f"newsmon_retag_{uuid.uuid4().hex[:8]}"
    dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}", name


def _drop_pg(name: str) -> None:
    import psycopg

    dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child process: a URL
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    with tempfile.TemporaryDirectory() as folder:
        pg_name = None
        if args.backend == "postgresql":
            url, pg_name = _pg_database()
        else:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
        try:
            upgrade(url)
            made = generate(url, args.articles)
            child = subprocess.run(
                [sys.executable, __file__, "--measure", url],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(child.stdout.strip().splitlines()[-1])
        finally:
            if pg_name:
                _drop_pg(pg_name)
    print(
        json.dumps(
            {
                "benchmark": "retag_scale",
                "backend": args.backend,
                "articles": args.articles,
                "beat_articles": made["beat"],
                "generate_s": round(made["seconds"], 1),
                **result,
                "load_avg_1m": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
