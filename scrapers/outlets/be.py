"""Flemish outlets of the catalogue (``config/sources.toml``) and Het Nieuwsblad.

Each entry states only what this site does differently; see :class:`scrapers.outlets.Outlet`.
"""

from __future__ import annotations

from scrapers.outlets import Outlet
from scrapers.outlets.nl import DPG_ARTICLE_ID, DUTCH_AGENCIES, MEDIAHUIS_PAID

#: DPG Media's Flemish titles send readers to this consent host before any article.
DPG_BE_CONSENT = ("myprivacy.dpgmedia.be",)
#: Mediahuis article URLs: ``/cnt/dmf20250202_96887132`` (the day and a number).
MEDIAHUIS_ARTICLE_ID = r"^/cnt/(?P<mediahuis>dmf\d{8}_\d+)"

VRTNWS = Outlet(
    name="VRT NWS",
    domain="vrt.be",
    feeds=("https://www.vrt.be/vrtnws/nl.rss.articles.xml",),
    listing_paths=r"^/vrtnws/nl/?$",
    publishers=("VRT", "VRT NWS", *DUTCH_AGENCIES),
)

STANDAARD = Outlet(
    name="De Standaard",
    domain="standaard.be",
    feeds=("https://www.standaard.be/rss/section/e70ccf13-a2f0-42b0-8bd3-e32d424a0aa0",),
    article_id=MEDIAHUIS_ARTICLE_ID,
    wall="paywall",
    paid_meta=MEDIAHUIS_PAID,
    publishers=("De Standaard", *DUTCH_AGENCIES),
)

NIEUWSBLAD = Outlet(
    name="Het Nieuwsblad",
    domain="nieuwsblad.be",
    article_id=MEDIAHUIS_ARTICLE_ID,
    paid_meta=MEDIAHUIS_PAID,
    # Pages without a byline name the site as the JSON-LD author ("nieuwsblad.be").
    publishers=("Nieuwsblad", *DUTCH_AGENCIES),
)

HLN = Outlet(
    name="HLN",
    domain="hln.be",
    feeds=("https://www.hln.be/rss.xml",),
    article_id=DPG_ARTICLE_ID,
    wall="consent",
    consent_hosts=DPG_BE_CONSENT,
    publishers=("Het Laatste Nieuws", *DUTCH_AGENCIES),
)

DEMORGEN = Outlet(
    name="De Morgen",
    domain="demorgen.be",
    feeds=("https://www.demorgen.be/rss.xml",),
    article_id=DPG_ARTICLE_ID,
    wall="consent",
    consent_hosts=DPG_BE_CONSENT,
    publishers=DUTCH_AGENCIES,
)

OUTLETS = (VRTNWS, STANDAARD, NIEUWSBLAD, HLN, DEMORGEN)
