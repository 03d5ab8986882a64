"""Requests per article: a first poll and a steady-state poll of NOS-like overlapping sources.

The local NOS-like site (``tests/site``, in this process) serves a feed listing ``--articles``
generated pages as short links ``/l/<n>`` (301 to ``/gen/artikel/<n>-<slug>``) and a day
archive listing the newer half of them again under their slug URLs, a quarter of those under
collection URLs ``/collectie/<c>/artikel/<n>-<slug>``. Both sources use NOS's article ids.
The first poll stores every article; the second (nothing changed) is the steady state.

Prints one JSON line: requests per stored article in the first poll, repeat article fetches
(goal 0: no article's page fetched twice) and article requests in the steady-state poll
(goal 0: only the listings are asked for).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from pipeline.ingest import IngestContext, run_ingest
from scrapers.archive import today_in_amsterdam
from scrapers.outlets.nl import NOS
from scrapers.sources import SourceConfig, SourcesConfig
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from storage.models import Article
from tests.site.generated import generated_path, generated_slug
from tests.site.server import NosSite

FEED_PATH = "/bench/feed"
ARCHIVE = "/bench/archief/{date}"
ARTICLE_ID = re.compile(r"^/(?:l/(\d+)$|(?:gen/|collectie/\d+/)artikel/(\d+)-)")


def feed(site: NosSite, numbers: range) -> bytes:
    items = "".join(
        f"<item><title>Bericht {n}</title><link>{site.url(f'/l/{n}')}</link>"
        f"<guid>{site.url(f'/l/{n}')}</guid><description>Over bericht {n}.</description>"
        "<pubDate>Thu, 01 Oct 2026 12:00:00 +0200</pubDate></item>"
        for n in numbers
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>bench</title><link>{site.base_url}</link><description>bench</description>"
        f"{items}</channel></rss>"
    ).encode()


def serve(site: NosSite, articles: int) -> None:
    numbers = range(1, articles + 1)
    site.add_page(FEED_PATH, feed(site, numbers), "application/rss+xml")
    for n in numbers:
        site.add_page(f"/l/{n}", b"", None, headers={"Location": generated_path(n)}, status=301)
    links = []
    for n in range(articles // 2 + 1, articles + 1):
        path = generated_path(n)
        if n % 4 == 0:  # a collection URL: the same page under another path
            with urllib.request.urlopen(site.url(path)) as answer:
                body = answer.read()
            path = f"/collectie/{n % 7 + 1}/artikel/{n}-{generated_slug(n)}"
            site.add_page(path, body)
        links.append(
            f'<li><a href="{path}"><h2>Bericht {n}</h2>'
            '<time datetime="2026-10-01T12:00:00+02:00">12:00</time></a></li>'
        )
    day = ARCHIVE.replace("{date}", today_in_amsterdam().isoformat())
    html = f"<html><body><main><ul>{''.join(links)}</ul></main></body></html>"
    site.add_page(day, html.encode())


def article_paths(site: NosSite) -> list[tuple[str, str]]:
    """(article number, path) of every article request in the site's log."""
    found = []
    for record in site.requests():
        match = ARTICLE_ID.match(record.path)
        if match:
            found.append((match.group(1) or match.group(2), record.path))
    return found


def measure(articles: int, database_url: str | None) -> dict[str, Any]:
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp, NosSite() as site:
        url = database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        serve(site, articles)
        sources = tuple(
            SourceConfig(
                name=name,
                kind=kind,
                url=site.url(path),
                allowed_hosts=site.hosts,
                article_id_pattern=NOS.article_id,
            )
            for name, kind, path in (("feed", "rss", FEED_PATH), ("archief", "archive", ARCHIVE))
        )
        config = SourcesConfig(fetch=site.fetch_config(min_interval_s=0.0), sources=sources)
        site.reset_log()
        began = time.perf_counter()
        run_ingest(IngestContext(engine, config))
        first_s = time.perf_counter() - began
        first = article_paths(site)
        first_total = len(site.requests())
        with session_scope(engine) as session:
            stored = session.scalar(select(func.count()).select_from(Article)) or 0
        site.reset_log()
        run_ingest(IngestContext(engine, config))
        steady = article_paths(site)
        steady_total = len(site.requests())
        engine.dispose()
    # A page fetch is any article request but a short link's (it only redirects).
    pages = Counter(n for n, path in first if not path.startswith("/l/"))
    return {
        "benchmark": "requests_per_article",
        "backend": "postgresql" if url.startswith("postgresql") else "sqlite",
        "listed_feed": articles,
        "listed_archive": articles - articles // 2,
        "stored_articles": stored,
        "first_poll_requests": first_total,
        "first_poll_article_requests": len(first),
        "requests_per_stored_article": round(first_total / max(1, stored), 3),
        "repeat_article_fetches": sum(count - 1 for count in pages.values()),
        "steady_poll_requests": steady_total,
        "steady_poll_article_requests": len(steady),
        "first_poll_s": round(first_s, 2),
        "goals_met": sum(c - 1 for c in pages.values()) == 0 and not steady,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    print(json.dumps(measure(args.articles, args.database_url)))


if __name__ == "__main__":
    main()
