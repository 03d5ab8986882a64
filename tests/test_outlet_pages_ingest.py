"""Every real outlet and NOS page of ``../shared/realdata`` through the fetch path: the homepages
and listings are no articles, the articles keep clean bylines and no reader notices.

The pages are served by the local site at their own paths (so on a host no outlet entry knows:
the generic rules must hold), listed in one feed, fetched, parsed and stored by ``run_ingest``.
"""

from __future__ import annotations

import gzip
from html import escape

import pytest
from sqlalchemy import Engine, select

from pipeline.ingest import IngestContext, run_ingest
from processing.urls import canonicalize_url
from scrapers.sources import SourceConfig, SourcesConfig
from storage.db import session_scope
from storage.models import Article
from tests.realdata import require_realdata
from tests.site import NosSite

# (folder, file, path served at, byline expected or LISTING)
LISTING = "listing"
PAGES = [
    ("outlets", "bijgeschaafd__www_telegraaf_nl.html", "/", LISTING),
    ("outlets", "bijgeschaafd__www_metronieuws_nl.html", "/metro/", LISTING),
    ("nos", "nos_laatste_2024-04-11.utf8.html", "/nieuws/laatste", LISTING),
    ("nos", "nos_laatste_2024-04-11_raw_as_saved_cp1252.html", "/nieuws/laatste-1252", LISTING),
    ("nos", "nos_laatste_2025-01-20.html", "/nieuws/laatste-2025", LISTING),
    (
        "outlets",
        "bijgeschaafd__www_metronieuws_nl_nieuws_binnenland_2016_03_sapjes-en-fris-stijgen-sneller-in-prijs-dan-alcohol.html",
        "/nieuws/binnenland/2016/03/sapjes-en-fris",
        "Bianca Brasser",
    ),
    (
        "outlets",
        "bijgeschaafd__www_nos_nl_artikel_2069130-dodental-parijs-op-129-maar-zal-nog-stijgen.html",
        "/artikel/2069130-dodental-parijs",
        None,
    ),
    (  # "Door ANP": an agency, no author
        "outlets",
        "bijgeschaafd__www_nu_nl_algemeen_4225459_automobilisten-krijgen-last-van-gladheid-en-mist.html",
        "/algemeen/4225459/automobilisten.html",
        None,
    ),
    (  # "Door NU nl": the publisher, no author
        "outlets",
        "bijgeschaafd__www_nu_nl_politiek_4163338_bestuur-kamer-stelt-onderzoek-in-wegens-lekken-commissie-stiekem.html",
        "/politiek/4163338/bestuur-kamer.html",
        None,
    ),
    (
        "outlets",
        "bijgeschaafd__www_telegraaf_nl_buitenland_24775234___Dreiging_met_bommen_Belgie__.html",
        "/buitenland/24775234/dreiging.html",
        None,
    ),
    ("outlets", "fundus__be_Nieuwsblad_2025_02_02.html.gz", "/cnt/dmf20250202_96887132", None),
    ("nos", "nos_2516536_urker-kotter.utf8.html", "/artikel/2516536-urker-kotter", None),
    ("nos", "nos_2516536_raw_as_saved_cp1252.html", "/artikel/2516536-urker-1252", None),
]


def serve(site: NosSite) -> str:
    items = []
    for folder, name, path, _ in PAGES:
        body = (require_realdata(folder) / name).read_bytes()
        url = site.add_page(path, gzip.decompress(body) if name.endswith(".gz") else body, None)
        items.append(f"<item><title>{escape(name[:40])}</title><link>{escape(url)}</link></item>")
    feed = '<?xml version="1.0"?><rss version="2.0"><channel><title>echt</title>'
    feed += "".join(items) + "</channel></rss>"
    return site.add_page("/echt/feed.xml", feed.encode(), "application/rss+xml")


@pytest.mark.realdata
@pytest.mark.slow
def test_real_outlet_pages_listings_are_skipped_and_bylines_are_clean(
    site: NosSite, engine: Engine
) -> None:
    source = SourceConfig(name="echt", kind="rss", url=serve(site), allowed_hosts=site.hosts)
    config = SourcesConfig(fetch=site.fetch_config(min_interval_s=0.0), sources=(source,))

    counts = run_ingest(IngestContext(engine, config)).sources["echt"]

    listings = {path for _, _, path, byline in PAGES if byline == LISTING}
    assert counts.no_article == len(listings), counts.errors
    with session_scope(engine) as session:
        stored = {a.canonical_url: a for a in session.scalars(select(Article))}
        bylines = {url: a.author for url, a in stored.items()}
        texts = {url: f"{a.title}\n{a.text}" for url, a in stored.items()}
    expected = {
        canonicalize_url(site.url(path)): byline
        for _, _, path, byline in PAGES
        if byline != LISTING
    }
    assert bylines == expected
    for url, text in texts.items():
        lowered = text.lower()
        assert "adblock" not in lowered and "beste bezoeker" not in lowered, url
        assert "Ã" not in text and "\ufffd" not in text, url  # mislabelled charsets read right
