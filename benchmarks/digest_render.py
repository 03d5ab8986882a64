"""A 1,000-article day: time rendering the digest to Markdown and HTML (goal < 1 s).

Loads a synthetic day into a fresh SQLite database (1,000 relevant articles in about 250
stories across four outlets, tags with evidence, near-duplicates, failing sources), then times:

* ``render_s``: Markdown + HTML rendering of the assembled digest (the goal, median of runs);
* ``collect_s``: reading and grouping the day from the database;
* ``build_s``: the whole ``build_digest`` job (read, group, render three formats, write files,
  record the digest items).

Prints ONE JSON line. Usage: ``.venv/bin/python benchmarks/digest_render.py [--articles 1000]``
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digests.render import render_html, render_markdown
from digests.select import collect_digest
from pipeline.digest import build_digest
from processing.temporal import NEWSROOM_TZ
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from storage.models import Article, ArticleTag, FetchLog, Source, Story

DAY = date(2026, 3, 10)
TZ = NEWSROOM_TZ
GOAL_S = 1.0
OUTLETS = ("nos.nl", "nu.nl", "rtl.nl", "volkskrant.nl")
TOPICS = (
    ("military", "Military cooperation", ("legereenheid", "troepen", "oefening")),
    ("diplomacy", "Leaders' diplomacy", ("Poetin", "Loekasjenko", "Minsk")),
    ("sanctions", "Sanctions and economy", ("sancties", "kali", "export")),
    ("union-state", "Union State", ("Uniestaat", "integratie")),
    ("repression", "Repression and opposition", ("Tichanovskaja", "arrestaties")),
)
WORDS = [
    "de",
    "het",
    "een",
    "Loekasjenko",
    "Poetin",
    "Belarus",
    "Rusland",
    "leger",
    "grens",
    "sancties",
    "Minsk",
]


def sentence(rng: random.Random, n: int = 14) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def load(url: str, n_articles: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    engine = make_engine(url)
    start = datetime(2026, 3, 9, 23, tzinfo=UTC)
    with session_scope(engine) as s:
        sources = [Source(name=f"feed-{o}", kind="rss", status="ok") for o in OUTLETS]
        s.add_all(sources)
        s.flush()
        for i, source in enumerate(sources[:2]):
            source.status = "failing"
            source.last_success_at = start - timedelta(days=i + 1)
            s.add(
                FetchLog(
                    source_id=source.id,
                    url=f"https://{OUTLETS[i]}/rss",
                    requested_at=start + timedelta(hours=3),
                    outcome="timeout",
                    error="read timeout",
                )
            )
        stories = [Story(label=f"story {k}") for k in range(n_articles // 4)]
        s.add_all(stories)
        s.flush()
        articles: list[Article] = []
        for k in range(n_articles):
            outlet = rng.randrange(len(OUTLETS))
            seen = start + timedelta(seconds=rng.randrange(24 * 3600))
            url = f"https://{OUTLETS[outlet]}/artikel/{k}-bericht"
            articles.append(
                Article(
                    canonical_url=url,
                    url=url,
                    source_id=sources[outlet].id,
                    origin="rss",
                    title=f"Bericht {k}: {sentence(rng, 8)} <b>&</b>",
                    text=" ".join(sentence(rng) for _ in range(30)),
                    text_hash=f"{k:064x}",
                    relevant=True,
                    published_at=seen - timedelta(minutes=30),
                    date_precision="day",
                    first_seen_at=seen,
                    updated_at=seen,
                    story_id=stories[rng.randrange(len(stories))].id
                    if rng.random() < 0.9
                    else None,
                )
            )
        s.add_all(articles)
        s.flush()
        for k, article in enumerate(articles):
            if k % 10 == 9:
                article.duplicate_of = articles[k - 1].id
            for slug, label, terms in rng.sample(TOPICS, rng.randint(1, 3)):
                evidence = [
                    {"term": t, "start": 0, "end": len(t), "text": t}
                    for t in rng.sample(terms, min(2, len(terms)))
                ]
                s.add(
                    ArticleTag(
                        article_id=article.id,
                        topic=slug,
                        label=label,
                        score=round(rng.random(), 3),
                        evidence=evidence,
                    )
                )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        load(url, args.articles)
        engine = make_engine(url)
        t0 = time.perf_counter()
        with session_scope(engine) as session:
            digest = collect_digest(session, DAY, TZ)
        collect_s = time.perf_counter() - t0
        render_runs = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            markdown, html = render_markdown(digest), render_html(digest)
            render_runs.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        result = build_digest(engine, DAY, tz=TZ, out_dir=Path(tmp) / "digests")
        build_s = time.perf_counter() - t0
        engine.dispose()
    render_s = statistics.median(render_runs)
    print(
        json.dumps(
            {
                "benchmark": "digest_render",
                "articles": digest.n_articles,
                "stories": digest.n_stories,
                "markdown_bytes": len(markdown.encode()),
                "html_bytes": len(html.encode()),
                "render_s": round(render_s, 4),
                "collect_s": round(collect_s, 4),
                "build_s": round(build_s, 4),
                "build_stories": result.n_stories,
                "goal_s": GOAL_S,
                "ok": render_s < GOAL_S,
            }
        )
    )


if __name__ == "__main__":
    main()
