"""The outlet registry: what newsmon knows about each news site, one entry per outlet.

In the spirit of fundus' publisher registry, an :class:`Outlet` holds only what differs between
sites: where its feeds, sitemaps and day archive are, how its article URLs carry an id (and its
short-link form), which of its paths are listings, what wall stands before its articles and on
which consent hosts, and the quirks of its dates and bylines. Everything generic (teaser-list
detection, Dutch bylines, notices that are not text) stays in the modules that use it; they ask
:func:`outlet_for` for the entry of a URL's host and get :data:`GENERIC` for an unknown site.
The entries themselves live in :mod:`scrapers.outlets.nl` and :mod:`scrapers.outlets.be`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Literal
from urllib.parse import urlsplit

from processing.temporal import NEWSROOM_TIMEZONE

#: What stands before an outlet's article pages: ``consent`` (a redirect to another host's
#: consent page, which is never fetched) or ``paywall`` (pages marked not free to read).
WallKind = Literal["consent", "paywall"]


@dataclass(frozen=True, slots=True)
class Outlet:
    """One news site. Patterns are regular expressions over a URL's path (see each field)."""

    name: str
    domain: str  # the registrable domain; its subdomains (``feeds.nos.nl``) belong to it
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    archive: str | None = None  # a day archive template with ``{date}`` (YYYY-MM-DD)
    #: The article id in a URL path: the first named group that took part is the id, so every
    #: URL form of one article (short link, slug URL, collection) gives the same id.
    article_id: str | None = None
    short_link: str | None = None  # the short URL of an article id, ``{id}`` filled in
    #: The links of a listing page (archive day, section front) that are articles.
    article_links: str | None = None
    #: Paths of pages that are listings (home, section fronts, day archives), never articles.
    listing_paths: str | None = None
    #: Paths of live blogs (a stream of updates, never one article) and of video pages.
    live_paths: str | None = None
    video_paths: str | None = None
    wall: WallKind | None = None
    consent_hosts: tuple[str, ...] = ()  # where the wall redirects to (never fetched)
    #: ``<meta name=… content="true">`` that marks a paid article (beside schema.org's marker).
    paid_meta: tuple[str, ...] = ()
    #: Names a byline may carry that are the outlet or its agencies, never an author.
    publishers: tuple[str, ...] = ()
    #: Page parts that are no article text (XPath), removed before extraction.
    noise_xpath: tuple[str, ...] = ()
    #: Lines before the body that are labels, not text (section kickers, "Aangepast 12:47").
    head_labels: str | None = None
    zone: str = NEWSROOM_TIMEZONE  # the zone of dates the site writes without an offset
    hosts: tuple[str, ...] = field(default=())  # extra hosts outside ``domain``

    def owns(self, host: str) -> bool:
        """Whether ``host`` (lower case) is one of this outlet's hosts."""
        return host == self.domain or host.endswith(f".{self.domain}") or host in self.hosts

    def id_pattern(self) -> re.Pattern[str] | None:
        """:attr:`article_id` compiled, or None when the outlet's URLs carry no id."""
        return _compiled(self.article_id) if self.article_id else None

    def is_listing(self, path: str, query: str = "") -> bool:
        """Whether ``path`` is one of the outlet's listing pages, or any site's front page
        (``/`` without a query: ``/?p=123`` is a WordPress article)."""
        if path.strip("/") == "":
            return not query
        return bool(self.listing_paths and _compiled(self.listing_paths).search(path))

    def is_live(self, path: str) -> bool:
        """Whether ``path`` is a live blog of this outlet."""
        return bool(self.live_paths and _compiled(self.live_paths).search(path))

    def is_video(self, path: str) -> bool:
        """Whether ``path`` is a video page of this outlet."""
        return bool(self.video_paths and _compiled(self.video_paths).search(path))

    def links_article(self, path: str) -> bool:
        """Whether a link with ``path`` on one of the outlet's listings is an article."""
        return bool(self.article_links and _compiled(self.article_links).search(path))

    def short_url(self, article_id: str) -> str | None:
        """The outlet's short link for ``article_id`` (NOS: ``https://nos.nl/l/<id>``)."""
        return self.short_link.format(id=article_id) if self.short_link else None


#: What is true of a site nobody described: no ids, no wall, only the generic rules.
GENERIC = Outlet(name="generic", domain="")


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def all_outlets() -> tuple[Outlet, ...]:
    """Every registered outlet, Dutch first, in registry order."""
    from scrapers.outlets import be, nl  # the entries import this module's types

    return (*nl.OUTLETS, *be.OUTLETS)


def outlet_for(url_or_host: str) -> Outlet:
    """The entry of a URL's (or a bare host's) outlet; :data:`GENERIC` for an unknown site."""
    host = urlsplit(url_or_host).hostname if "/" in url_or_host else url_or_host
    host = (host or "").strip().lower().rstrip(".")
    return _by_host(host)


@lru_cache(maxsize=4096)  # hosts of fetched pages: bounded by the sources' allowed hosts
def _by_host(host: str) -> Outlet:
    if not host:
        return GENERIC
    return next((outlet for outlet in all_outlets() if outlet.owns(host)), GENERIC)


def outlet_for_hosts(hosts: tuple[str, ...]) -> Outlet:
    """The outlet of the first of ``hosts`` that belongs to one (a source's allowed hosts)."""
    return next((o for o in map(outlet_for, hosts) if o is not GENERIC), GENERIC)


def consent_hosts() -> frozenset[str]:
    """Every registered consent host: a source may never allow one (walls are not walked)."""
    return frozenset(host for outlet in all_outlets() for host in outlet.consent_hosts)


def publisher_names() -> Iterator[str]:
    """Every registered publisher and agency name (for bylines of unregistered sites too)."""
    for outlet in all_outlets():
        yield outlet.name
        yield outlet.domain  # "nieuwsblad.be", which trafilatura writes "Nieuwsblad Be"
        yield from outlet.publishers
