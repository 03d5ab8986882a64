"""Archive day pages (NOS: ``https://nos.nl/nieuws/archief/YYYY-MM-DD``): their article links.

Class names on such pages are generated and change over the years, so links are recognised by
URL pattern only: the ``article_links`` of the page's outlet in the registry
(``scrapers.outlets``; NOS: ``/artikel/<digits>-<slug>``, also under a section or a collection).
Live blogs, videos and navigation links are not articles and are left out. An archive on a host
the registry does not know (a mirror, a local copy) is read as NOS's, the archive shape the
catalogue has.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import lxml.html
from lxml import etree

from processing.temporal import NEWSROOM_TZ
from scrapers.candidates import DATE_FROM_ARCHIVE, Candidate, make_candidate, unique_candidates
from scrapers.errors import ScraperError
from scrapers.outlets import Outlet, outlet_for
from scrapers.outlets.nl import NOS

log = logging.getLogger(__name__)

ARCHIVE_ORIGIN = "archive"
_SPACE = re.compile(r"\s+")


def archive_day_url(template: str, day: date) -> str:
    """The day page URL from a template such as ``https://nos.nl/nieuws/archief/{date}``."""
    if "{date}" not in template:
        raise ValueError(f"archive URL template has no {{date}} placeholder: {template}")
    return template.replace("{date}", day.isoformat())


def today_in_amsterdam(now: datetime | None = None) -> date:
    """The newsroom's current day (archive days follow Dutch time, not UTC)."""
    return (now or datetime.now(NEWSROOM_TZ)).astimezone(NEWSROOM_TZ).date()


def archive_outlet(page_url: str) -> Outlet:
    """The outlet whose link pattern reads the archive at ``page_url`` (NOS's by default)."""
    outlet = outlet_for(page_url)
    return outlet if outlet.article_links else NOS


def parse_archive_page(content: bytes | str, page_url: str, source_name: str) -> list[Candidate]:
    """Article candidates linked from an archive day page, in page order, repeats dropped.

    The link text becomes the title; a ``<time datetime=…>`` inside the link, when present,
    the published time. If some links carry a time, links without one (most-read lists,
    promotions) are dropped.

    Raises:
        ScraperError: the body is not HTML at all.
    """
    try:
        root = lxml.html.document_fromstring(content)
    except (etree.ParserError, ValueError) as exc:
        raise ScraperError(f"{page_url}: archive page is not HTML: {exc}") from exc
    page_host = (urlsplit(page_url).hostname or "").lower()
    outlet = archive_outlet(page_url)
    zone = ZoneInfo(outlet.zone)
    candidates: list[Candidate] = []
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href:
            continue
        url = urljoin(page_url, href)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not outlet.links_article(parts.path):
            continue
        if (parts.hostname or "").lower() != page_host:
            log.debug("archive %s: link to another host skipped: %s", page_url, url)
            continue
        candidates.append(
            make_candidate(
                url,
                source_name,
                ARCHIVE_ORIGIN,
                title=_link_title(anchor),
                published_at=_link_time(anchor, zone),
                date_source=DATE_FROM_ARCHIVE,
            )
        )
    # Day lists give every item a time; "most read" and promo blocks do not. When the page
    # has timed links, the untimed ones are not that day's articles.
    if any(c.published_at is not None for c in candidates):
        candidates = [c for c in candidates if c.published_at is not None]
    return unique_candidates(candidates)


def _link_title(anchor: lxml.html.HtmlElement) -> str | None:
    for heading in anchor.iter("h1", "h2", "h3", "h4"):
        text = _SPACE.sub(" ", heading.text_content()).strip()
        if text:
            return text
    parts: list[str] = [anchor.text or ""]
    for node in anchor.iterdescendants():
        if node.tag != "time" and not any(a.tag == "time" for a in node.iterancestors()):
            parts.append(node.text or "")
        if not any(a.tag == "time" for a in node.iterancestors()) or node.tag == "time":
            parts.append(node.tail or "")
    text = _SPACE.sub(" ", " ".join(parts)).strip()
    return text or anchor.get("title") or None


def _link_time(anchor: lxml.html.HtmlElement, zone: ZoneInfo) -> datetime | None:
    for node in anchor.iter("time"):
        value = (node.get("datetime") or "").strip()
        if not value:
            continue
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zone)
        return parsed
    return None
