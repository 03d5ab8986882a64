"""Article aliases: any URL length is one unique key on both backends, recording twice is
harmless, the first article to claim a URL keeps it, and an outlet's article id finds the
article whatever URL form it was listed under."""

from __future__ import annotations

from sqlalchemy import Engine

from processing.identity import article_key
from scrapers.outlets.nl import NOS as NOS_OUTLET
from storage.aliases import Alias, aliases_of, articles_by_alias, articles_by_key, record_aliases
from storage.articles import upsert_article
from storage.db import session_scope
from storage.records import ArticleRecord

NOS = NOS_OUTLET.id_pattern()


def article(engine: Engine, url: str) -> int:
    with session_scope(engine) as session:
        record = ArticleRecord(canonical_url=url, title="t", text="tekst", origin="rss")
        stored = upsert_article(session, record, f"hash-{len(url)}-{url[-20:]}").article
        return stored.id


def test_a_long_url_is_an_alias_once_and_recording_again_is_harmless(engine: Engine) -> None:
    first = article(engine, "https://nos.nl/l/1")
    second = article(engine, "https://nos.nl/l/2")
    long_url = "https://nos.nl/artikel/1-" + "lang-" * 2000
    with session_scope(engine) as session:
        record_aliases(session, [Alias(long_url, first), Alias("https://nos.nl/l/1", first)])
    with session_scope(engine) as session:
        record_aliases(session, [Alias(long_url, second), Alias(long_url, first)])
    with session_scope(engine) as session:
        assert articles_by_alias(session, [long_url, "https://nos.nl/l/3"]) == {long_url: first}
        assert aliases_of(session, first) == [long_url, "https://nos.nl/l/1"]
        assert aliases_of(session, second) == []


def test_the_article_id_makes_a_short_link_and_a_collection_url_one_article(
    engine: Engine,
) -> None:
    short = "https://nos.nl/l/2483122"
    collection = "https://nos.nl/collectie/13935/artikel/2483122-wagner-in-belarus"
    assert article_key(short, NOS) == article_key(collection, NOS) == "nos.nl:2483122"
    assert article_key("https://nos.nl/nieuws/archief/2024-01-01", NOS) is None
    assert article_key(short, None) is None
    stored = article(engine, collection)
    with session_scope(engine) as session:
        record_aliases(session, [Alias(collection, stored, article_key(collection, NOS))])
    with session_scope(engine) as session:
        key = article_key(short, NOS)
        assert key is not None
        assert articles_by_key(session, [key, "nos.nl:1"]) == {key: stored}
