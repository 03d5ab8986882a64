"""Extraction quality on the 181 real pages of the public article-extraction benchmark.

Text is scored as the benchmark's own ``evaluate.py`` scores it: runs of four ``\\w+`` tokens
(shingles) per page, precision and recall averaged over the pages, F1 from the two averages.
Ours is what ingest stores (``decode_html`` then ``extract_page`` on the saved bytes); beside
it plain ``trafilatura.extract`` (no comments). Metadata: pages with a published date and with
an author, ours against ``trafilatura.extract_metadata`` with its defaults, and pages where a
date disagrees by more than a day with a date in the page's URL. Prints one JSON line.

``--ingest`` measures instead what newsmon stores: the pages served from a local server (the
test site), listed in a feed that gives titles only, fetched, parsed and stored by
``run_ingest`` into a fresh SQLite database. Text is scored over the free pages; dates, authors
and teasers over all of them, walled pages included (their teaser is what the page declares).
Usage: ``.venv/bin/python benchmarks/extract_quality.py [--realdata DIR] [--ingest]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scrapers.dates import date_from_url
from scrapers.errors import NoArticleError
from scrapers.extract import decode_html, extract_page

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from tests.site.server import NosSite

REALDATA = Path(__file__).resolve().parent.parent.parent / "shared" / "realdata"
BENCH_FEED = "/bench/feed.xml"
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Page:
    key: str
    url: str
    body: bytes
    truth: str


def load_pages(root: Path) -> list[Page]:
    """The benchmark's pages (``html/<id>.html.gz``) with their true ``articleBody``."""
    truth = json.loads((root / "ground-truth.json").read_text("utf-8"))
    return [
        Page(key, item["url"], gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes()),
             item.get("articleBody", ""))
        for key, item in sorted(truth.items())
    ]  # fmt: skip


def shingle_match(true: str, pred: str, n: int = 4) -> tuple[float, float, float]:
    """(tp, fp, fn) over shingle counts, normalised so that long pages weigh no more."""

    def shingles(text: str) -> Counter[tuple[str, ...]]:
        tokens = _TOKEN.findall(text or "")
        runs = (tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))
        return Counter(run for run in runs if run)

    a, b = shingles(true), shingles(pred)
    tp = float(sum((a & b).values()))
    fp, fn = float(sum((b - a).values())), float(sum((a - b).values()))
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (tp, fp, fn)


def scores(matches: list[tuple[float, float, float]]) -> dict[str, float]:
    """Mean precision and recall over the pages (as ``evaluate.py``), and F1 of the two."""

    def ratio(tp: float, wrong: float, fp: float, fn: float) -> float:
        if fp == fn == 0:
            return 1.0
        return 0.0 if tp == wrong == 0 else tp / (tp + wrong)

    precision = statistics.mean(ratio(tp, fp, fp, fn) for tp, fp, fn in matches if tp + fp > 0)
    recall = statistics.mean(ratio(tp, fn, fp, fn) for tp, fp, fn in matches if tp + fn > 0)
    f1 = 2 * precision * recall / (precision + recall)
    return {"f1": round(f1, 4), "precision": round(precision, 4), "recall": round(recall, 4)}


def _off_url(day: date | None, url: str) -> bool:
    url_day = date_from_url(url)
    return day is not None and url_day is not None and abs((day - url_day).days) > 1


def measure(root: Path, raw_text: bool = True) -> dict[str, Any]:
    """Everything the JSON line reports; ``raw_text=False`` skips plain trafilatura's text."""
    pages = load_pages(root)
    ours: list[tuple[float, float, float]] = []
    raw: list[tuple[float, float, float]] = []
    counts = Counter[str]()
    cpu_ours = cpu_raw = 0.0
    for page in pages:
        html = decode_html(page.body, None)
        start = time.process_time()
        try:
            got = extract_page(html, page.url)
        except NoArticleError:
            counts["no_article"] += 1
            ours.append(shingle_match(page.truth, ""))
        else:
            ours.append(shingle_match(page.truth, got.text))
            counts["dates_ours"] += got.published_at is not None
            counts["authors_ours"] += bool(got.author)
            day = got.published_at.date() if got.published_at else None
            counts["ours_date_off_url"] += _off_url(day, page.url)
        cpu_ours += time.process_time() - start
        meta = trafilatura.extract_metadata(html, default_url=page.url)
        counts["dates_trafilatura"] += bool(meta.date)
        counts["authors_trafilatura"] += bool(meta.author)
        theirs = date.fromisoformat(meta.date[:10]) if meta.date else None
        counts["trafilatura_date_off_url"] += _off_url(theirs, page.url)
        counts["url_dates"] += date_from_url(page.url) is not None
        if raw_text:
            start = time.process_time()
            text = trafilatura.extract(page.body, include_comments=False) or ""
            cpu_raw += time.process_time() - start
            raw.append(shingle_match(page.truth, text))
    result: dict[str, Any] = {"pages": len(pages), "ours": scores(ours)}
    if raw_text:
        result["trafilatura_extract"] = scores(raw)
        result["cpu_ms_per_page"] = {
            "ours_extract_page": round(1000 * cpu_ours / len(pages), 1),
            "trafilatura_extract": round(1000 * cpu_raw / len(pages), 1),
        }
    keys = ("dates_ours", "dates_trafilatura", "authors_ours", "authors_trafilatura",
            "url_dates", "ours_date_off_url", "trafilatura_date_off_url", "no_article")  # fmt: skip
    result.update({key: counts[key] for key in keys})
    return result


def serve_pages(site: NosSite, pages: list[Page]) -> str:
    """Serve every page at ``/bench/<id>`` and a feed listing them (titles only); its URL."""
    items = []
    for page in pages:
        url = site.add_page(f"/bench/{page.key}", page.body, "text/html")
        items.append(
            f"<item><title>Pagina {page.key[:12]}</title><link>{escape(url)}</link></item>"
        )
    feed = '<?xml version="1.0"?><rss version="2.0"><channel><title>bench</title>'
    feed += "".join(items) + "</channel></rss>"
    return site.add_page(BENCH_FEED, feed.encode(), "application/rss+xml")


def measure_ingest(root: Path, site: NosSite, engine: Engine) -> dict[str, Any]:
    """The pages of ``root`` through newsmon's fetch path into ``engine``'s database.

    Returns the text scores over the free pages, and over all pages the counts of stored dates
    and authors beside the pages where trafilatura's metadata finds them, walled pages with a
    teaser, and the stored ``text_source`` values.
    """
    from sqlalchemy import select

    from pipeline.ingest import IngestContext, run_ingest
    from processing.urls import canonicalize_url
    from scrapers.sources import SourceConfig, SourcesConfig
    from storage.db import session_scope
    from storage.models import TEASER_TEXT_SOURCES, Article

    pages = load_pages(root)
    feed_url = serve_pages(site, pages)
    source = SourceConfig(name="bench", kind="rss", url=feed_url, allowed_hosts=site.hosts)
    config = SourcesConfig(
        fetch=site.fetch_config(min_interval_s=0.0, timeout_s=20), sources=(source,)
    )
    report = run_ingest(IngestContext(engine, config))
    with session_scope(engine) as session:
        stored = {a.canonical_url: a for a in session.scalars(select(Article))}
        rows = {
            page.key: stored.get(canonicalize_url(site.url(f"/bench/{page.key}"))) for page in pages
        }
        kept = {
            key: (a.text, a.text_source, a.published_at is not None, bool(a.author))
            for key, a in rows.items()
            if a is not None
        }
    counts = Counter[str]()
    free: list[tuple[float, float, float]] = []
    for page in pages:
        meta = trafilatura.extract_metadata(decode_html(page.body, None), default_url=page.url)
        found = kept.get(page.key)
        text, text_source, dated, authored = found if found else ("", None, False, False)
        counts[f"text_source_{text_source}"] += 1
        counts["dates_trafilatura"] += bool(meta.date)
        counts["dates_stored"] += bool(meta.date) and dated
        counts["authors_trafilatura"] += bool(meta.author)
        counts["authors_stored"] += bool(meta.author) and authored
        if text_source in TEASER_TEXT_SOURCES:
            counts["walled"] += 1
            counts["walled_with_teaser"] += bool(text.strip())
        else:
            free.append(shingle_match(page.truth, text))
    result: dict[str, Any] = {"pages": len(pages), "stored": len(kept), "free": scores(free)}
    result["errors"] = [e.error[:80] for e in report.sources["bench"].errors[:5]]
    result.update(sorted(counts.items()))
    return result


def _measure_ingest_on_local_site(root: Path) -> dict[str, Any]:
    from storage.db import make_engine
    from storage.migrate import upgrade
    from tests.site.server import NosSite

    with tempfile.TemporaryDirectory() as tmp, NosSite() as site:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        try:
            return measure_ingest(root, site, engine)
        finally:
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdata", type=Path, default=REALDATA, help="the realdata folder")
    parser.add_argument("--ingest", action="store_true", help="through newsmon's fetch path")
    args = parser.parse_args()
    root = args.realdata / "extraction-benchmark"
    print(json.dumps(_measure_ingest_on_local_site(root) if args.ingest else measure(root)))


if __name__ == "__main__":
    main()
