"""A small NOS-like site on 127.0.0.1 for the flow tests, the end-to-end test and the benchmark.

Day archive pages ``/nieuws/archief/YYYY-MM-DD`` link ``/artikel/<id>-<slug>`` pages with enough
Dutch text to pass extraction. Every article is served with ``rel=canonical``, so an article
counted once is stored once. ``delay_s`` slows every article response (to interrupt a backfill
half-way). The server counts article requests.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WORDS = [
    "Minsk",
    "Moskou",
    "Loekasjenko",
    "Poetin",
    "Uniestaat",
    "leger",
    "oefening",
    "grens",
    "sancties",
    "gas",
    "olie",
    "kerncentrale",
    "oppositie",
    "verkiezing",
    "protest",
    "vluchteling",
    "Polen",
    "Litouwen",
    "Oekraïne",
    "Kyiv",
    "raket",
    "tank",
    "brigade",
    "minister",
    "akkoord",
    "lening",
    "roebel",
    "handel",
    "fabriek",
    "kali",
    "boer",
    "trein",
    "luchtmacht",
    "vliegveld",
    "kernwapen",
    "journalist",
    "rechter",
    "gevangenis",
    "amnestie",
    "ambassade",
    "delegatie",
    "top",
    "verdrag",
    "parlement",
    "grondwet",
    "generaal",
    "soldaat",
    "wapen",
    "munitie",
    "transport",
    "haven",
    "spoorweg",
    "belasting",
    "inflatie",
    "bank",
    "schuld",
    "export",
]


def article_text(number: int, paragraphs: int = 4, words: int = 40) -> list[str]:
    """Distinct Dutch-looking paragraphs per article (no two articles are near-duplicates)."""
    rng = random.Random(number)
    return [
        " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."
        for _ in range(paragraphs)
    ]


@dataclass
class FlowSite:
    """Which days exist and how many articles each has; ``base_url`` once started."""

    days: list[date]
    per_day: int = 5
    delay_s: float = 0.0
    base_url: str = ""
    article_requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def article_id(self, day: date, index: int) -> int:
        return int(day.strftime("%Y%m%d")) * 1000 + index

    def article_ids(self) -> list[int]:
        return [self.article_id(d, i) for d in self.days for i in range(self.per_day)]

    def sources_toml(self, path: Path, min_interval_s: float = 0.0) -> Path:
        """A sources file with one archive source on this site, polite settings for tests."""
        path.write_text(
            f"""
[fetch]
user_agent = "newsmon-test/0.1 (+https://example.org/newsmon)"
min_interval_s = {min_interval_s}
max_concurrency = 8
timeout_s = 10
retries = 0

[schedule]
ingest_cron = "*/30 * * * *"
digest_cron = "0 7 * * *"
timezone = "Europe/Amsterdam"
backfill_max_days = 31

[[sources]]
name = "nos-archief"
kind = "archive"
url = "{self.base_url}/nieuws/archief/{{date}}"
allowed_hosts = ["127.0.0.1"]
""",
            encoding="utf-8",
        )
        return path


def _page(site: FlowSite, path: str) -> tuple[int, str, str]:
    if path == "/robots.txt":
        return 200, "text/plain", "User-agent: *\nAllow: /\n"
    if path.startswith("/nieuws/archief/"):
        try:
            day = date.fromisoformat(path.rsplit("/", 1)[1])
        except ValueError:
            return 404, "text/plain", "not found"
        if day not in site.days:
            return 404, "text/plain", "no such day"
        links = "\n".join(
            f'<li><a href="/artikel/{site.article_id(day, i)}-bericht-{i}">Bericht {i}</a></li>'
            for i in range(site.per_day)
        )
        return 200, "text/html; charset=utf-8", f"<html><body><ul>{links}</ul></body></html>"
    if path.startswith("/artikel/"):
        number = path.split("/")[2].split("-")[0]
        if not number.isdigit():
            return 404, "text/plain", "not found"
        day = date(int(number[:4]), int(number[4:6]), int(number[6:8]))
        with site.lock:
            site.article_requests += 1
        if site.delay_s:
            time.sleep(site.delay_s)
        canonical = f"{site.base_url}{path}"
        body = "".join(f"<p>{text}</p>" for text in article_text(int(number)))
        html = f"""<!doctype html><html lang="nl"><head><meta charset="utf-8">
<title>Bericht {number}</title><link rel="canonical" href="{canonical}">
<meta property="og:title" content="Bericht {number} over Wit-Rusland">
<meta property="article:published_time" content="{day.isoformat()}T09:00:00+01:00">
</head><body><article><h1>Bericht {number} over Wit-Rusland</h1>{body}</article></body></html>"""
        return 200, "text/html; charset=utf-8", html
    return 404, "text/plain", "not found"


@contextmanager
def running_site(site: FlowSite) -> Iterator[FlowSite]:
    """Serve ``site`` on a free loopback port until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, content_type, text = _page(site, self.path.split("?")[0])
            data = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def consecutive_days(first: date, n: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(n)]
