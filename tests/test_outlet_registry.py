"""The outlet registry: every catalogue outlet has one entry, and each entry holds against the
outlet's real pages and feeds under ``../shared/realdata/`` (``nos/``, ``outlets/``, ``feeds/``)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import feedparser
import pytest

from processing.identity import article_key
from scrapers.archive import parse_archive_page
from scrapers.errors import NoArticleError
from scrapers.extract import decode_html, extract_page
from scrapers.outlets import GENERIC, all_outlets, consent_hosts, outlet_for
from scrapers.outlets.be import DEMORGEN, HLN, NIEUWSBLAD
from scrapers.outlets.nl import NOS, NUNL, TELEGRAAF
from scrapers.sources import CONSENT_HOSTS, load_sources_file
from tests.realdata import require_realdata

SOURCES = Path(__file__).resolve().parent.parent / "config" / "sources.toml"
NOS_ARTICLE = "nos_2516536_urker-kotter.utf8.html"
NOS_FEED = "nos_nosnieuwsalgemeen_2026-10-01_first5items.xml"


def test_every_catalogue_source_belongs_to_an_entry_that_lists_it_with_its_wall() -> None:
    for source in load_sources_file(SOURCES).sources:
        outlet = source.outlet()
        assert outlet is not GENERIC, source.name
        listed = (*outlet.feeds, *outlet.sitemaps, outlet.archive)
        assert source.url in listed, (source.name, outlet.name)
        assert source.wall == outlet.wall, source.name
        if outlet.wall == "consent":
            assert outlet.consent_hosts, outlet.name


def test_one_entry_per_domain_and_the_consent_hosts_come_from_the_entries() -> None:
    domains = [outlet.domain for outlet in all_outlets()]
    assert len(domains) == len(set(domains))
    assert CONSENT_HOSTS == consent_hosts() == {"myprivacy.dpgmedia.nl", "myprivacy.dpgmedia.be"}
    assert outlet_for("https://feeds.nos.nl/nosnieuwsalgemeen") is NOS
    assert outlet_for("http://127.0.0.1:8080/artikel/1-a") is GENERIC


@pytest.mark.realdata
def test_nos_short_link_canonical_and_slug_url_of_the_real_article_are_one_id() -> None:
    html = (require_realdata("nos") / NOS_ARTICLE).read_text("utf-8")
    canonical = re.search(r'<link href="([^"]+)" rel="canonical"', html)
    og_url = re.search(r'<meta content="([^"]+)" property="og:url"', html)
    assert canonical is not None and og_url is not None
    pattern = NOS.id_pattern()
    assert article_key(canonical[1], pattern) == article_key(og_url[1], pattern) == "nos.nl:2516536"
    assert NOS.short_url("2516536") == canonical[1]


@pytest.mark.realdata
def test_nos_feed_links_are_short_links_with_ids() -> None:
    feed = feedparser.parse((require_realdata("nos") / NOS_FEED).read_bytes())
    links = [entry.link for entry in feed.entries]
    assert len(links) == 5
    for link in links:
        key = article_key(link, NOS.id_pattern())
        assert key is not None and NOS.short_url(key.split(":")[1]) == link


@pytest.mark.parametrize(
    ("name", "count"),
    [("nos_laatste_2024-04-11.utf8.html", 100), ("nos_laatste_2025-01-20.html", 98)],
)
@pytest.mark.realdata
def test_nos_listing_is_a_listing_and_its_article_links_are_found(name: str, count: int) -> None:
    body = (require_realdata("nos") / name).read_bytes()
    url = "https://nos.nl/nieuws/laatste"
    assert NOS.is_listing("/nieuws/laatste") and NOS.is_listing("/nieuws/archief/2024-04-11")
    found = parse_archive_page(body, url, "nos-laatste")
    assert len(found) == count
    assert all(article_key(c.url, NOS.id_pattern()) for c in found)
    with pytest.raises(NoArticleError):
        extract_page(decode_html(body, None), url)


@pytest.mark.parametrize(
    ("feed", "outlet"),
    [("hln_rss_2018-12-03.xml", HLN), ("demorgen_rss_2018-12-03.xml", DEMORGEN)],
)
@pytest.mark.realdata
def test_dpg_feed_links_carry_one_id_each_and_lie_behind_the_consent_wall(
    feed: str, outlet: object
) -> None:
    parsed = feedparser.parse((require_realdata("feeds") / feed).read_bytes())
    links = [entry.link for entry in parsed.entries]
    assert outlet_for(links[0]) is outlet
    keys = [article_key(link, outlet_for(link).id_pattern()) for link in links]
    missing = [link for link, key in zip(links, keys, strict=True) if key is None]
    assert not missing and len(set(keys)) == len(links), missing
    assert outlet_for(links[0]).wall == "consent"


# (file under realdata/outlets, URL it was served at, outlet, article id, title, day, byline)
# with None as title for a listing. The bylines as printed: "Door ANP", "Door NU.nl", and
# Nieuwsblad's JSON-LD author "nieuwsblad.be": none of them names an author.
PAGES = [
    ("bijgeschaafd__www_metronieuws_nl.html", "http://www.metronieuws.nl/", None, None, None),
    (
        "bijgeschaafd__www_metronieuws_nl_nieuws_binnenland_2016_03_sapjes-en-fris-stijgen-sneller-in-prijs-dan-alcohol.html",
        "http://www.metronieuws.nl/nieuws/binnenland/2016/03/sapjes-en-fris-stijgen-sneller-in-prijs-dan-alcohol",
        None,
        ("Sapjes en fris stijgen sneller in prijs dan alcohol", "2016-03-10"),
        "Bianca Brasser",
    ),
    (
        "bijgeschaafd__www_nos_nl_artikel_2069130-dodental-parijs-op-129-maar-zal-nog-stijgen.html",
        "http://www.nos.nl/artikel/2069130-dodental-parijs-op-129-maar-zal-nog-stijgen",
        "nos.nl:2069130",
        ("Dodental Parijs op 129, maar zal nog stijgen", "2015-11-13"),
        None,
    ),
    (
        "bijgeschaafd__www_nu_nl_algemeen_4225459_automobilisten-krijgen-last-van-gladheid-en-mist.html",
        "http://www.nu.nl/algemeen/4225459/automobilisten-krijgen-last-van-gladheid-en-mist.html",
        "nu.nl:4225459",
        ("Automobilisten krijgen last van gladheid en mist", "2016-03-05"),
        None,
    ),
    (
        "bijgeschaafd__www_nu_nl_politiek_4163338_bestuur-kamer-stelt-onderzoek-in-wegens-lekken-commissie-stiekem.html",
        "http://www.nu.nl/politiek/4163338/bestuur-kamer-stelt-onderzoek-in-wegens-lekken-commissie-stiekem.html",
        "nu.nl:4163338",
        ("Bestuur Kamer stelt onderzoek in wegens lekken uit commissie-Stiekem", "2015-11-12"),
        None,
    ),
    ("bijgeschaafd__www_telegraaf_nl.html", "http://www.telegraaf.nl/", None, None, None),
    (
        "bijgeschaafd__www_telegraaf_nl_buitenland_24775234___Dreiging_met_bommen_Belgie__.html",
        "http://www.telegraaf.nl/buitenland/24775234/__Dreiging_met_bommen_Belgie__.html",
        "telegraaf.nl:24775234",
        ("Premier België: concrete aanwijzing aanslag met bommen", "2015-11-21"),
        None,
    ),
    (
        "fundus__be_Nieuwsblad_2025_02_02.html.gz",
        "https://www.nieuwsblad.be/cnt/dmf20250202_96887132",
        "nieuwsblad.be:dmf20250202_96887132",
        ("BIO. Annelies Verlinden ruilt Binnenlandse Zaken in voor Justitie", "2025-02-02"),
        None,
    ),
]


def read_outlet_page(name: str) -> bytes:
    body = (require_realdata("outlets") / name).read_bytes()
    return gzip.decompress(body) if name.endswith(".gz") else body


@pytest.mark.realdata
@pytest.mark.parametrize(("name", "url", "key", "expected", "author"), PAGES)
def test_each_real_outlet_page_is_read_as_its_entry_says(
    name: str, url: str, key: str | None, expected: tuple[str, str] | None, author: str | None
) -> None:
    html = decode_html(read_outlet_page(name), None)
    outlet = outlet_for(url)
    assert outlet is not GENERIC
    assert article_key(url, outlet.id_pattern()) == key
    if expected is None:  # a homepage: a listing, not an article
        with pytest.raises(NoArticleError):
            extract_page(html, url)
        return
    page = extract_page(html, url)
    assert (page.title, page.published_at and page.published_at.date().isoformat()) == expected
    assert page.author == author
    assert "adblock" not in page.text.lower() and "beste bezoeker" not in page.text.lower()


def test_the_walled_outlets_name_their_paid_marker_or_their_consent_host() -> None:
    assert TELEGRAAF.wall == "paywall" and TELEGRAAF.paid_meta
    assert NIEUWSBLAD.paid_meta == TELEGRAAF.paid_meta  # both Mediahuis
    assert NUNL.wall is None and not NUNL.consent_hosts


def test_a_front_page_is_a_listing_on_any_site_but_not_with_a_query() -> None:
    assert GENERIC.is_listing("/") and GENERIC.is_listing("")
    assert not GENERIC.is_listing("/", "p=123")  # a WordPress article
    assert not GENERIC.is_listing("/nieuws/laatste")  # only NOS's entry knows that one
