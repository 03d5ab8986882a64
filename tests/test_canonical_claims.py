"""A page's rel=canonical is a claim, not a fact: it decides identity only when it names a page
that was read with the same text (or the same article id). Pages of broken templates that all
name one section front, pages naming each other, a forward canonical to a page fetched later
and a canonical to a 404 all stay separate articles under their own URLs. Both backends, through
the real fetch path on the local site."""

from __future__ import annotations

from sqlalchemy import Engine, select

from pipeline.ingest import IngestContext, run_ingest
from processing.urls import canonicalize_url
from scrapers.sources import SourceConfig, SourcesConfig
from storage.db import session_scope
from storage.models import Article, ArticleVersion
from tests.site.generated import generated_article, generated_path
from tests.site.server import NosSite
from tests.test_canonical_identity import page_claiming

FEED_PATH = "/gen/claims-feed"


def ingest(site: NosSite, engine: Engine) -> None:
    source = SourceConfig(
        name="gen-claims", kind="rss", url=site.url(FEED_PATH), allowed_hosts=site.hosts
    )
    config = SourcesConfig(fetch=site.fetch_config(min_interval_s=0.0), sources=(source,))
    run_ingest(IngestContext(engine, config))


def claiming(site: NosSite, n: int, canonical_path: str) -> None:
    """Serve generated page ``n`` with its rel=canonical and og:url naming ``canonical_path``."""
    site.add_page(generated_path(n), page_claiming(site, n, canonical_path))


def own_url(site: NosSite, n: int) -> str:
    return canonicalize_url(site.url(generated_path(n)))


def stored(engine: Engine) -> dict[str, str]:
    """Canonical URL → title of every stored article."""
    with session_scope(engine) as session:
        rows = session.execute(select(Article.canonical_url, Article.title))
        return {url: title for url, title in rows}


def versions(engine: Engine) -> int:
    with session_scope(engine) as session:
        return len(session.scalars(select(ArticleVersion.id)).all())


def test_pages_sharing_a_section_front_as_canonical_stay_separate_articles(
    site: NosSite, engine: Engine
) -> None:
    numbers = [11, 12, 13, 14, 15]
    for n in numbers:
        claiming(site, n, "/nieuws")
    site.add_generated_feed(FEED_PATH, numbers)

    ingest(site, engine)

    articles = stored(engine)
    assert articles == {own_url(site, n): generated_article(n).title for n in numbers}
    assert canonicalize_url(site.url("/nieuws")) not in articles


def test_a_canonical_naming_another_page_of_the_batch_with_another_text_is_ignored(
    site: NosSite, engine: Engine
) -> None:
    """Page 18 is read in the same batch: 17 and 19, which name it, have other texts."""
    claiming(site, 17, generated_path(18))
    claiming(site, 19, generated_path(18))
    site.add_generated_feed(FEED_PATH, [18, 17, 19])

    ingest(site, engine)

    assert set(stored(engine)) == {own_url(site, n) for n in (17, 18, 19)}
    assert versions(engine) == 3


def test_two_pages_naming_each_other_stay_two_articles(site: NosSite, engine: Engine) -> None:
    claiming(site, 21, generated_path(22))
    claiming(site, 22, generated_path(21))
    site.add_generated_feed(FEED_PATH, [21, 22])

    ingest(site, engine)

    assert stored(engine) == {
        own_url(site, 21): generated_article(21).title,
        own_url(site, 22): generated_article(22).title,
    }


def test_a_forward_canonical_does_not_make_the_later_article_known(
    site: NosSite, engine: Engine
) -> None:
    claiming(site, 31, generated_path(32))
    site.add_generated_feed(FEED_PATH, [31])
    ingest(site, engine)
    assert set(stored(engine)) == {own_url(site, 31)}

    site.reset_log()
    site.add_generated_feed(FEED_PATH, [32, 31])
    ingest(site, engine)

    assert site.count(generated_path(32)) == 1
    assert site.count(generated_path(31)) == 0
    assert stored(engine) == {
        own_url(site, 31): generated_article(31).title,
        own_url(site, 32): generated_article(32).title,
    }
    assert versions(engine) == 2  # one version each: neither overwrote the other


def test_a_canonical_naming_a_404_is_not_the_stored_link(site: NosSite, engine: Engine) -> None:
    site.add_page("/weg/41", b"<html><body>Niet gevonden</body></html>", status=404)
    claiming(site, 41, "/weg/41")
    site.add_generated_feed(FEED_PATH, [41])

    ingest(site, engine)

    assert set(stored(engine)) == {own_url(site, 41)}
