"""End-to-end ingest against the local NOS-like site, judged by the server's own request log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from pipeline.ingest import IngestContext, IngestReport, run_ingest
from scrapers.sources import SourcesConfig
from storage.db import make_engine, session_scope
from storage.models import Article, FetchLog, Source
from tests.site import NosSite

ARTICLE_PREFIXES = ("/artikel/", "/l/", "/liveblog/", "/video/", "/nieuwsuur/")


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


def only(config: SourcesConfig, *names: str) -> SourcesConfig:
    return config.model_copy(
        update={"sources": tuple(s for s in config.sources if s.name in names)}
    )


def ingest(engine: Engine, config: SourcesConfig) -> IngestReport:
    return run_ingest(IngestContext(engine, config))


def stored(engine: Engine) -> dict[str, Article]:
    with session_scope(engine) as session:
        rows = list(session.scalars(select(Article)))
        session.expunge_all()
    return {a.canonical_url: a for a in rows}


def fetch_rows(engine: Engine) -> list[FetchLog]:
    with session_scope(engine) as session:
        rows = list(session.scalars(select(FetchLog).order_by(FetchLog.id)))
        session.expunge_all()
    return rows


def test_feeds_store_clean_articles_and_skip_live_blogs_videos_and_off_host(
    site: NosSite, db: Engine
) -> None:
    config = only(site.sources_config(), "nos-algemeen", "nos-buitenland")
    report = ingest(db, config)

    articles = stored(db)
    feed_pages = {
        p.path: p for feed in ("algemeen", "buitenland") for p in site.content.in_feed(feed)
    }
    expected = {site.url(path): page for path, page in feed_pages.items() if page.kind == "artikel"}
    assert expected and set(expected) <= set(articles)
    for url, page in expected.items():
        text = articles[url].text
        for paragraph in page.body_paragraphs:
            assert paragraph in text, (url, paragraph[:40])
        for junk in site.boilerplate:
            assert junk not in text, (url, junk)
        assert articles[url].title == page.title
        assert articles[url].date_source == "feed"
    # Live blogs and videos are recorded as no_article and not stored.
    no_article_paths = {p.path for p in feed_pages.values() if p.kind in ("liveblog", "video")}
    assert no_article_paths
    assert not {site.url(p) for p in no_article_paths} & set(articles)
    logged = {(r.final_url or r.url): r.outcome for r in fetch_rows(db)}
    for path in no_article_paths:
        assert logged[site.url(path)] == "no_article"
    assert sum(c.no_article for c in report.sources.values()) == len(no_article_paths)
    # The off-host item and the robots-disallowed item were never requested.
    assert site.requests(server="trap") == []
    assert [r for r in site.requests() if r.path.startswith("/intern/")] == []
    assert "off_host" in {r.outcome for r in fetch_rows(db)}
    # The utm_-tagged duplicate in the foreign feed is the same article: stored once.
    assert len([u for u in articles if "utm_" in u]) == 0
    assert report.status in ("ok", "partial")
    assert set(report.source_status.values()) == {"ok"}


def test_second_run_stores_nothing_and_unchanged_feed_costs_one_conditional_get(
    site: NosSite, engine: Engine
) -> None:
    """On SQLite and PostgreSQL."""
    db = engine
    config = only(site.sources_config(), "nos-algemeen")
    first = ingest(db, config)
    assert first.total_new > 0
    site.reset_log()

    second = ingest(db, config)

    assert second.total_new == 0
    feed_requests = site.requests(path="/nosnieuwsalgemeen")
    assert len(feed_requests) == 1
    assert feed_requests[0].status == 304
    assert feed_requests[0].if_none_match or feed_requests[0].if_modified_since
    assert [r for r in site.requests() if r.path.startswith(ARTICLE_PREFIXES)] == []
    assert second.sources["nos-algemeen"].not_modified == 1


def test_known_urls_are_not_fetched_again_even_when_the_listing_changed(
    site: NosSite, db: Engine
) -> None:
    config = only(site.sources_config(), "nos-buitenland")
    ingest(db, config)
    with session_scope(db) as session:
        from storage.models import HttpValidator

        session.query(HttpValidator).delete()
    site.reset_log()

    report = ingest(db, config)

    assert report.total_new == 0
    assert site.count("/nosnieuwsbuitenland") == 1
    assert [r for r in site.requests() if r.path.startswith(ARTICLE_PREFIXES)] == []
    assert report.sources["nos-buitenland"].known > 0


def test_misbehaving_endpoints_end_as_recorded_failures_and_the_run_goes_on(
    site: NosSite, db: Engine
) -> None:
    config = only(
        site.sources_config(include_misbehaving=True),
        "nos-storingen",
        "nos-kapot",
        "nos-buitenland",
    )
    report = ingest(db, config)

    rows = fetch_rows(db)
    by_url: dict[str, list[str]] = {}
    for row in rows:
        by_url.setdefault(row.url, []).append(row.outcome)
    articles = stored(db)
    counts = report.sources["nos-storingen"]
    for path, outcome in site.misbehaving.items():
        outcomes = by_url.get(site.url(path))
        assert outcomes, f"{path} has no fetch_log row"
        if outcome == "ok" and path != "/misbehave/empty":
            assert outcomes == ["ok"], path
        elif path == "/misbehave/empty":
            assert outcomes == ["no_article"]
        elif path == "/misbehave/redirect-offhost":
            # Off the allowed hosts, and the source has no consent wall: no teaser.
            assert outcomes == ["off_host"]
            assert site.url(path) not in articles
        else:
            assert outcomes == [outcome], path
            assert any(e.url == site.url(path) for e in counts.errors), path
    failures = [p for p, o in site.misbehaving.items() if o != "ok"]
    assert counts.failed == len(failures) + 1  # + the off-host item of that feed
    assert counts.no_article == 1
    # The pages behind the endpoints that recover (429 once, 503 once, cp1252, redirects).
    assert counts.new >= 4
    cp1252 = [a for a in articles.values() if a.canonical_url == site.url("/misbehave/cp1252")]
    assert cp1252, "the windows-1252 page was not stored"
    for paragraph in site.content.by_id[2485001].body_paragraphs:
        assert paragraph in cp1252[0].text
    # The other source's articles are stored all the same, and the run completed.
    assert report.sources["nos-buitenland"].new > 0
    assert report.status == "partial"
    assert site.requests(server="trap") == []


def test_source_health_blocked_unreachable_failing(site: NosSite, db: Engine) -> None:
    base = site.sources_config()
    good = only(base, "nos-buitenland").sources[0]
    free_port_url = "http://127.0.0.1:9/feed"  # discard port: nothing listens there
    sources = (
        good,
        good.model_copy(update={"name": "verboden", "url": site.url("/misbehave/403")}),
        good.model_copy(update={"name": "te-vaak", "url": site.url("/misbehave/429-always")}),
        good.model_copy(update={"name": "kapot", "url": site.url("/feeds/kapot.xml")}),
        good.model_copy(update={"name": "weg", "url": free_port_url}),
    )
    config = base.model_copy(update={"sources": sources})

    report = ingest(db, config)

    assert report.source_status == {
        "nos-buitenland": "ok",
        "verboden": "blocked",
        "te-vaak": "blocked",
        "kapot": "failing",
        "weg": "unreachable",
    }
    with session_scope(db) as session:
        health = {
            s.name: (s.status, s.last_error, s.last_success_at)
            for s in session.scalars(select(Source))
        }
    assert health["verboden"][0] == "blocked" and health["verboden"][1]
    assert health["weg"][0] == "unreachable" and "connect" in (health["weg"][1] or "")
    assert health["nos-buitenland"][0] == "ok" and health["nos-buitenland"][2] is not None
    assert report.sources["nos-buitenland"].new > 0


def _dated_page(site: NosSite, path: str, published: str) -> str:
    body = "".join(
        f"<p>Belarus en Rusland voeren overleg over de Uniestaat, alinea {i}. "
        "Loekasjenko en Poetin spraken over gezamenlijke oefeningen en sancties.</p>"
        for i in range(6)
    )
    html = f"""<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Datum</title>
<link rel="canonical" href="{site.url(path)}">
<meta property="article:published_time" content="{published}"></head>
<body><article><h1>Datum {path}</h1>{body}</article></body></html>"""
    return site.add_page(path, html.encode())


def test_wrong_and_conflicting_dates_are_recorded_and_the_article_kept(
    site: NosSite, engine: Engine
) -> None:
    """On SQLite and PostgreSQL. A page date before 1995 is no date to htmldate (like the
    placeholder 0001-01-01), so the ancient witness that is rejected is the URL's."""
    db = engine
    future = _dated_page(site, "/1985/01/01/2499001-toekomst", "1985-01-01T10:00:00+01:00")
    conflict = _dated_page(site, "/artikel/2499002-conflict", "2023-06-01T10:00:00+02:00")
    items = "".join(
        f"<item><title>{title}</title><link>{url}</link><pubDate>{when}</pubDate></item>"
        for title, url, when in (
            ("Toekomst", future, "Thu, 01 Jan 2099 10:00:00 +0100"),
            ("Conflict", conflict, "Wed, 14 Jun 2023 10:00:00 +0200"),
        )
    )
    feed = f'<rss version="2.0"><channel><title>data</title>{items}</channel></rss>'
    feed_url = site.add_page("/feeds/data.xml", feed.encode(), "application/rss+xml")
    good = site.sources_config().get("nos-buitenland")
    source = good.model_copy(update={"name": "data", "url": feed_url})
    config = site.sources_config().model_copy(update={"sources": (source,)})

    report = ingest(db, config)

    articles = stored(db)
    undated, conflicting = articles[future], articles[conflict]
    assert undated.published_at is None and undated.date_precision == "unknown"
    assert undated.date_source is None
    bad = [e for e in report.sources["data"].errors if e.outcome == "bad_date"]
    assert {e.url for e in bad} == {future}
    assert any("future" in e.error for e in bad) and any("1990" in e.error for e in bad)
    assert conflicting.date_source == "feed"
    assert conflicting.published_at is not None
    assert conflicting.published_at.date().isoformat() == "2023-06-14"
    assert conflicting.date_conflict == "feed 2023-06-14 vs page 2023-06-01"
