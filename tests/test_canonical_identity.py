"""A page's rel=canonical decides its identity only when it names the same article."""

from __future__ import annotations

import logging
from html import escape

import pytest
from sqlalchemy import Engine, select

from pipeline.ingest import IngestContext, run_ingest
from processing.identity import article_id
from processing.urls import canonicalize_url
from scrapers.outlets.nl import NOS
from scrapers.sources import SourceConfig, SourcesConfig
from storage.db import session_scope
from storage.models import Article
from tests.site.generated import generated_article, generated_path
from tests.site.pages import article_page
from tests.site.server import NosSite

FEED_PATH = "/gen/identity-feed"
VICTIM, HIJACKER = 7, 8


def ingest(site: NosSite, engine: Engine) -> None:
    source = SourceConfig(
        name="gen-identity", kind="rss", url=site.url(FEED_PATH), allowed_hosts=site.hosts
    )
    config = SourcesConfig(fetch=site.fetch_config(min_interval_s=0.0), sources=(source,))
    run_ingest(IngestContext(engine, config))


def page_claiming(site: NosSite, n: int, canonical_path: str) -> bytes:
    """Generated page ``n`` whose rel=canonical and og:url name ``canonical_path`` instead."""
    html = article_page(site.base_url, generated_article(n), [])
    own = escape(site.url(generated_path(n)))
    claimed = escape(site.url(canonical_path))
    for tag in ('<link rel="canonical" href="{}">', '<meta property="og:url" content="{}">'):
        assert tag.format(own) in html
        html = html.replace(tag.format(own), tag.format(claimed))
    return html.encode()


def articles(engine: Engine) -> dict[str, tuple[int, str]]:
    with session_scope(engine) as session:
        rows = session.execute(select(Article.canonical_url, Article.version, Article.title))
        return {url: (version, title) for url, version, title in rows}


def test_a_canonical_naming_another_stored_article_is_ignored_and_logged(
    site: NosSite, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    victim_url = canonicalize_url(site.url(generated_path(VICTIM)))
    site.add_generated_feed(FEED_PATH, [VICTIM])
    ingest(site, engine)
    before = articles(engine)
    assert before == {victim_url: (1, generated_article(VICTIM).title)}

    site.add_page(generated_path(HIJACKER), page_claiming(site, HIJACKER, generated_path(VICTIM)))
    site.add_generated_feed(FEED_PATH, [HIJACKER, VICTIM])
    with caplog.at_level(logging.WARNING, logger="pipeline.article_store"):
        ingest(site, engine)

    after = articles(engine)
    assert after[victim_url] == before[victim_url]  # not overwritten as a new version
    own_url = canonicalize_url(site.url(generated_path(HIJACKER)))
    assert after[own_url] == (1, generated_article(HIJACKER).title)
    assert len(after) == 2
    assert any(
        "canonical conflict" in r.getMessage() and victim_url in r.getMessage()
        for r in caplog.records
    )


def test_a_canonical_naming_the_same_article_id_is_followed(site: NosSite, engine: Engine) -> None:
    canonical = generated_path(VICTIM)
    site.add_generated_feed(FEED_PATH, [VICTIM])
    ingest(site, engine)

    copy_path = f"/collectie/3/artikel/{VICTIM}-dezelfde-tekst-in-een-collectie"
    html = article_page(site.base_url, generated_article(VICTIM), [])
    site.add_page(copy_path, html.encode())
    feed = (
        '<rss version="2.0"><channel><title>t</title><item><title>x</title>'
        f"<link>{escape(site.url(copy_path))}</link></item></channel></rss>"
    )
    site.add_page(FEED_PATH, feed.encode(), content_type="application/rss+xml")
    ingest(site, engine)

    assert list(articles(engine)) == [canonicalize_url(site.url(canonical))]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://nos.nl/l/2478335", ("nos.nl", "2478335")),
        ("https://nos.nl/artikel/2478335-wagner-in-belarus", ("nos.nl", "2478335")),
        ("https://nos.nl/nieuwsuur/artikel/2478335-wagner", ("nos.nl", "2478335")),
        ("https://nos.nl/collectie/13948/artikel/2478335-wagner", ("nos.nl", "2478335")),
        ("https://www.nos.nl/artikel/2478335-wagner?utm_source=rss", ("nos.nl", "2478335")),
        ("https://nos.nl/nieuws/archief/2023-06-27", None),
        ("https://nos.nl/artikel/geen-nummer", None),
    ],
)
def test_article_ids_are_read_from_nos_urls(url: str, expected: tuple[str, str] | None) -> None:
    assert article_id(url, NOS.id_pattern()) == expected
