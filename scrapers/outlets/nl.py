"""Dutch outlets: NOS first, then the catalogue of ``config/sources.toml`` and Metro.

Each entry states only what this site does differently; see :class:`scrapers.outlets.Outlet`
for what a field means. The quirks are read from the real pages under ``../shared/realdata/``
(``nos/``, ``outlets/``) and from the sites' public feeds.
"""

from __future__ import annotations

from scrapers.outlets import Outlet

#: DPG Media sends readers of its Dutch titles to this consent host before any article.
DPG_NL_CONSENT = ("myprivacy.dpgmedia.nl",)
#: DPG Media article URLs end in ``~a1b2c3d4`` (older: ``-b1a2c3d4``), a letter and seven or
#: eight hex digits (``~a9ade772b`` in HLN's feed of December 2018).
DPG_ARTICLE_ID = r"[~-](?P<dpg>[a-f][0-9a-f]{7,8})/?$"
#: Mediahuis (De Telegraaf, and in Flanders De Standaard, Het Nieuwsblad) marks paid articles
#: for its Cxense analytics.
MEDIAHUIS_PAID = ("cxenseparse:mhu-article_ispaidcontent",)
#: Press agencies whose name alone in a byline is no author.
DUTCH_AGENCIES = ("ANP", "Novum", "Reuters", "AFP", "AP", "DPA", "Belga")

NOS_DESKS = ("algemeen", "buitenland", "politiek", "economie")
NOS = Outlet(
    name="NOS",
    domain="nos.nl",
    feeds=tuple(f"https://feeds.nos.nl/nosnieuws{desk}" for desk in NOS_DESKS),
    archive="https://nos.nl/nieuws/archief/{date}",
    # /l/<id> (the short link, also the pages' rel=canonical), /artikel/<id>-<slug> (also under
    # a section such as /nieuwsuur/ or /op3/), /collectie/<n>/artikel/<id>-…, /liveblog/<id>-…
    article_id=(
        r"^/(?:l/(?P<short>\d+)/?$"
        r"|collectie/\d+/artikel/(?P<collection>\d+)(?:[-/]|$)"
        r"|(?:[a-z0-9-]+/)?(?:artikel|liveblog|video)/(?P<article>\d+)(?:[-/]|$))"
    ),
    short_link="https://nos.nl/l/{id}",
    # NOS's CSS class names are generated and change over the years: links by URL only.
    article_links=r"^/(?:collectie/\d+/|[a-z0-9-]+/)?artikel/\d+-[^/]*/?$",
    listing_paths=r"^/(?:nieuws|sport|op3|nieuwsuur|jeugdjournaal)(?:/(?:laatste|archief|[a-z-]+))?(?:/[\d-]+)?/?$",
    live_paths=r"/liveblog/",
    video_paths=r"/video/",
    publishers=("NOS", "NOS Nieuws", "Nieuwsuur", "NOS Sport"),
)

NUNL = Outlet(
    name="NU.nl",
    domain="nu.nl",
    feeds=("https://www.nu.nl/rss/Algemeen",),
    article_id=r"^/[a-z0-9-]+/(?P<nunl>\d{6,})/[^/]+\.html$",
    article_links=r"^/[a-z0-9-]+/\d{6,}/[^/]+\.html$",
    listing_paths=r"^/[a-z0-9-]+/?$",
    # Bylines read "Door ANP" or "Door NU.nl/Weerplaza": the desk and its partners.
    publishers=("NU", "NUsport", *DUTCH_AGENCIES),
)

RTLNIEUWS = Outlet(
    name="RTL Nieuws",
    domain="rtlnieuws.nl",
    feeds=("https://www.rtlnieuws.nl/rss.xml",),
    article_id=r"/artikel/(?P<rtl>\d+)/",
    publishers=("RTL", *DUTCH_AGENCIES),
)

NRC = Outlet(
    name="NRC",
    domain="nrc.nl",
    feeds=("https://www.nrc.nl/rss/",),
    article_id=r"^/nieuws/\d{4}/\d{2}/\d{2}/[^/]*-(?P<nrc>a\d+)/?$",
    wall="paywall",
    publishers=("NRC Handelsblad", "NRC Next", *DUTCH_AGENCIES),
)


def _dpg(name: str, domain: str, feed: str) -> Outlet:
    """A DPG Media title: a consent wall before every article, ids after a ``~``."""
    return Outlet(
        name=name,
        domain=domain,
        feeds=(feed,),
        article_id=DPG_ARTICLE_ID,
        wall="consent",
        consent_hosts=DPG_NL_CONSENT,
        publishers=DUTCH_AGENCIES,
    )


VOLKSKRANT = _dpg("de Volkskrant", "volkskrant.nl", "https://www.volkskrant.nl/voorpagina/rss.xml")
TROUW = _dpg("Trouw", "trouw.nl", "https://www.trouw.nl/voorpagina/rss.xml")
PAROOL = _dpg("Het Parool", "parool.nl", "https://www.parool.nl/nederland/rss.xml")
AD = _dpg("AD", "ad.nl", "https://www.ad.nl/rss.xml")

TELEGRAAF = Outlet(
    name="De Telegraaf",
    domain="telegraaf.nl",
    feeds=("https://www.telegraaf.nl/rss",),
    # 2016: /buitenland/24775234/__Titel__.html; today: /nieuws/1234567890/titel
    article_id=r"^/[a-z0-9-]+/(?P<telegraaf>\d{6,})/",
    article_links=r"^/[a-z0-9-]+/\d{6,}/",
    listing_paths=r"^/[a-z0-9-]+/?$",
    wall="paywall",
    paid_meta=MEDIAHUIS_PAID,
    publishers=("Telegraaf", "Telegraaf.nl", *DUTCH_AGENCIES),
)

METRO = Outlet(
    name="Metro",
    domain="metronieuws.nl",
    article_links=r"^/[a-z0-9-]+/[a-z0-9-]+/\d{4}/\d{2}/[^/]+/?$",
    listing_paths=r"^/[a-z0-9-]+(?:/[a-z0-9-]+)?/?$",
    publishers=("Metronieuws", *DUTCH_AGENCIES),
)

OUTLETS = (NOS, NUNL, RTLNIEUWS, NRC, VOLKSKRANT, TROUW, PAROOL, AD, TELEGRAAF, METRO)
