"""A page or feed whose byte-order mark contradicts its declared charset is read as the mark says.

A BOM is the strongest evidence of an encoding (WHATWG: it wins over the header, the ``<meta>``
and the XML declaration); believing a server that declares ISO-8859-1 beside it gives a
mojibake title ("Ã©Ã©n"), or loses a UTF-16 feed altogether (feedparser alone did).
"""

from __future__ import annotations

import codecs
from html import escape

import pytest
from sqlalchemy import Engine, select

from pipeline.ingest import IngestContext, run_ingest
from scrapers.feeds import parse_feed
from scrapers.sources import SourceConfig, SourcesConfig
from storage.db import session_scope
from storage.models import Article
from tests.site import NosSite

TITLE = "Loekasjenko en Poetin: één gesprek over de Uniestaat in Sotsji"
BODY = "De Wit-Russische president sprak in Sotsji met zijn Russische ambtgenoot over één munt. "


def page_with_bom() -> bytes:
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        f"<title>{escape(TITLE)}</title></head><body><article><h1>{escape(TITLE)}</h1>"
        + "".join(f"<p>{escape(BODY)} Alinea {n}.</p>" for n in range(1, 7))
        + "</article></body></html>"
    )
    return codecs.BOM_UTF8 + html.encode("utf-8")


def atom_feed(link: str) -> str:
    return (
        '<?xml version="1.0" encoding="iso-8859-1"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>bom</title><entry><id>1</id><title>{escape(TITLE)}</title>"
        f'<link href="{escape(link)}"/><summary>{escape(BODY)}</summary></entry></feed>'
    )


@pytest.mark.parametrize(("bom", "encoding"), [(codecs.BOM_UTF8, "utf-8"),
                                               (codecs.BOM_UTF16_LE, "utf-16-le"),
                                               (codecs.BOM_UTF16_BE, "utf-16-be")])  # fmt: skip
def test_a_feed_with_a_bom_declared_latin1_gives_its_real_titles(bom: bytes, encoding: str) -> None:
    body = bom + atom_feed("https://nos.nl/artikel/1-a").encode(encoding)
    found = parse_feed(body, "https://nos.nl/feed", "bom", "application/atom+xml; charset=latin-1")
    assert [(c.title, c.summary) for c in found] == [(TITLE, BODY.strip())]


@pytest.mark.slow
def test_a_bom_page_and_a_utf16_feed_declared_latin1_keep_their_titles_and_text(
    site: NosSite, engine: Engine
) -> None:
    url = site.add_page("/bom/artikel", page_with_bom(), "text/html; charset=iso-8859-1")
    feed = codecs.BOM_UTF16_LE + atom_feed(url).encode("utf-16-le")
    feed_url = site.add_page("/bom/feed.xml", feed, "application/atom+xml; charset=iso-8859-1")
    source = SourceConfig(name="bom", kind="rss", url=feed_url, allowed_hosts=site.hosts)
    run_ingest(IngestContext(engine, SourcesConfig(fetch=site.fetch_config(), sources=(source,))))

    with session_scope(engine) as session:
        article = session.scalars(select(Article)).one()
        assert article.title == TITLE
        assert "één munt" in article.text and "Ã" not in article.text
