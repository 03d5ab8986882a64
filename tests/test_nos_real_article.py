"""The real NOS article page 2516536, served by the local site and listed by a day archive,
is stored right: its title, its published instant, its short link as canonical with the slug
URL as alias, and as text its JSON-LD ``articleBody`` without page chrome. Both backends."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from pipeline.ingest import IngestContext, run_ingest
from scrapers.extract import extract_page
from storage.aliases import aliases_of
from storage.db import session_scope
from storage.models import Article
from tests.nos_realsite import (
    ARTICLE_FILE,
    ARTICLE_PATH,
    serve_archive,
    serve_real_article,
    sources,
)
from tests.realdata import require_realdata
from tests.site import NosSite

TITLE = "Vermiste Urker kotter na 58 jaar mogelijk teruggevonden"
SUBHEADINGS = ["Naambord opgevist", "Wrak identificeren"]

pytestmark = pytest.mark.realdata


def article_body() -> str:
    html = require_realdata(*ARTICLE_FILE).read_text("utf-8")
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return str(next(d["articleBody"] for d in map(json.loads, scripts) if "articleBody" in d))


def stored_article(site: NosSite, engine: Engine) -> Article:
    serve_real_article(site)
    serve_archive(site, [(ARTICLE_PATH, TITLE, "2024-04-12T21:23:19+02:00")])
    config = sources(site)
    config = config.model_copy(update={"sources": config.sources[1:]})  # the archive only
    report = run_ingest(IngestContext(engine, config))
    assert report.sources["nos-echt-archief"].new == 1, report.sources
    with session_scope(engine) as session:
        article = session.scalars(select(Article)).one()
        session.expunge(article)
    return article


def test_the_real_nos_article_is_stored_under_its_short_link_with_title_and_date(
    site: NosSite, engine: Engine
) -> None:
    article = stored_article(site, engine)

    assert article.title == TITLE
    assert article.published_at == datetime(2024, 4, 12, 19, 23, 19, tzinfo=UTC)
    assert article.canonical_url == site.url("/l/2516536")  # its rel=canonical
    assert article.text_source == "page"
    with session_scope(engine) as session:
        assert set(aliases_of(session, article.id)) == {
            site.url(ARTICLE_PATH),
            site.url("/l/2516536"),
        }
    for chrome in ("Deel artikel", "Meest gelezen", "NOS Nieuws", "Cookie"):
        assert chrome not in article.text


def test_the_real_nos_article_text_is_its_article_body_and_its_date_keeps_the_offset(
    site: NosSite, engine: Engine
) -> None:
    body = article_body()
    article = stored_article(site, engine)
    lines = article.text.splitlines()

    assert [line for line in lines if line not in body] == SUBHEADINGS
    words = [w for w in re.findall(r"\w+", article.text) if w not in " ".join(SUBHEADINGS)]
    assert words == [w for w in re.findall(r"\w+", body) if w not in " ".join(SUBHEADINGS)]
    html = require_realdata(*ARTICLE_FILE).read_text("utf-8")
    page = extract_page(html, site.url(ARTICLE_PATH))
    assert page.published_at is not None
    assert page.published_at.utcoffset() == timedelta(hours=2)
