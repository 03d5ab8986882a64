"""Real NOS material served by the local site: the real feed's first five items (short links
``/l/<id>`` answering 301 to ``/artikel/<id>-<slug>``), pages for them, a day archive listing
some of them under their slug or collection URLs, and the real article page 2516536.

The feed and the article are the real bytes of ``../shared/realdata/nos`` with ``https://nos.nl``
pointed at the local site; the feed items' pages hold the item's own HTML description inside
the site's NOS-like chrome (the real pages of those items are not in the material).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from html import escape

import feedparser

from scrapers.archive import today_in_amsterdam
from scrapers.outlets.nl import NOS
from scrapers.sources import SourceConfig, SourcesConfig
from tests.realdata import require_realdata
from tests.site import NosSite
from tests.site.pages import page

FEED_FILE = ("nos", "nos_nosnieuwsalgemeen_2026-10-01_first5items.xml")
ARTICLE_FILE = ("nos", "nos_2516536_urker-kotter.utf8.html")
ARTICLE_ID = 2516536
ARTICLE_PATH = "/artikel/2516536-vermiste-urker-kotter-na-58-jaar-mogelijk-teruggevonden"
FEED_PATH = "/feeds/nosnieuwsalgemeen-echt"
ARCHIVE_TEMPLATE = "/nieuws/archief-echt/{date}"
RSS = "application/rss+xml; charset=utf-8"
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Item:
    """One item of the real feed and where the local site serves its article."""

    id: int
    title: str
    description: str  # HTML, as in the feed
    published: str  # the feed's pubDate
    short_path: str  # /l/<id>
    path: str  # /artikel/<id>-<slug>


def slug(title: str) -> str:
    return _NOT_SLUG.sub("-", title.lower()).strip("-")[:80]


def real_items(site: NosSite) -> list[Item]:
    """The five items of the real feed (nothing served yet)."""
    raw = require_realdata(*FEED_FILE).read_bytes()
    items = []
    for entry in feedparser.parse(raw).entries:
        number = int(entry.link.rsplit("/", 1)[1])
        items.append(
            Item(
                id=number,
                title=entry.title,
                description=entry.description,
                published=entry.published,
                short_path=f"/l/{number}",
                path=f"/artikel/{number}-{slug(entry.title)}",
            )
        )
    return items


def item_page(site: NosSite, item: Item, extra_head: str = "") -> bytes:
    """An NOS-like page whose article is the item's description (canonical: the short link)."""
    moment = datetime.strptime(item.published, "%a, %d %b %Y %H:%M:%S %z")
    main = f"""<article>
<h1>{escape(item.title)}</h1>
<time datetime="{moment.isoformat()}">{moment:%d-%m-%Y %H:%M}</time>
{item.description}
</article>"""
    html = page(
        site.base_url,
        title=item.title,
        canonical=item.short_path,
        description=item.title,
        main=main,
        meta=[("og:type", "article"), ("article:published_time", moment.isoformat())],
        json_ld={
            "@type": "NewsArticle",
            "headline": item.title,
            "datePublished": moment.isoformat(),
        },
    )
    return html.replace("</head>", f"{extra_head}</head>", 1).encode()


def serve_feed(site: NosSite, items: list[Item], revision: int = 0) -> None:
    """The real feed (links pointed here), each short link's 301 and each item's page;
    ``revision`` republishes the same items under a new ETag (as a feed does all day)."""
    raw = require_realdata(*FEED_FILE).read_text(encoding="utf-8")
    raw = raw.replace("https://nos.nl", site.base_url) + f"<!-- revision {revision} -->"
    site.add_page(FEED_PATH, raw.encode(), RSS)
    for item in items:
        site.add_page(item.short_path, b"", None, headers={"Location": item.path}, status=301)
        site.add_page(item.path, item_page(site, item))


def serve_real_article(site: NosSite) -> str:
    """The real article page 2516536 at its slug URL (and its short link); returns the URL."""
    html = require_realdata(*ARTICLE_FILE).read_text(encoding="utf-8")
    site.add_page(ARTICLE_PATH, html.replace("https://nos.nl", site.base_url).encode())
    site.add_page(f"/l/{ARTICLE_ID}", b"", None, headers={"Location": ARTICLE_PATH}, status=301)
    return site.url(ARTICLE_PATH)


def serve_archive(
    site: NosSite, links: list[tuple[str, str, str]], day: date | None = None
) -> None:
    """Today's archive page listing ``(path, title, ISO time)`` links, NOS-style."""
    day = day or today_in_amsterdam()
    lis = "".join(
        f'<li><a href="{escape(path)}"><h2>{escape(title)}</h2>'
        f'<time datetime="{when}">{escape(when)}</time></a></li>'
        for path, title, when in links
    )
    body = page(
        site.base_url,
        title="Archief",
        canonical=ARCHIVE_TEMPLATE.replace("{date}", day.isoformat()),
        description="Nieuwsarchief",
        main=f"<section><ul>{lis}</ul></section>",
        meta=[("og:type", "website")],
    )
    site.add_page(ARCHIVE_TEMPLATE.replace("{date}", day.isoformat()), body.encode())


def sources(site: NosSite, *, archive: bool = True) -> SourcesConfig:
    """The real feed and (optionally) the archive as two sources, with NOS's article ids."""
    listed = [("nos-echt", "rss", FEED_PATH)]
    if archive:
        listed.append(("nos-echt-archief", "archive", ARCHIVE_TEMPLATE))
    return SourcesConfig(
        fetch=site.fetch_config(),
        sources=tuple(
            SourceConfig(
                name=name,
                kind=kind,  # type: ignore[arg-type]
                url=site.url(path),
                allowed_hosts=site.hosts,
                article_id_pattern=NOS.article_id,
            )
            for name, kind, path in listed
        ),
    )


def article_requests(site: NosSite, number: int) -> list[str]:
    """Paths of the site's requests for article ``number`` under any of its URLs."""
    pattern = re.compile(rf"^/(?:l/{number}$|(?:[a-z0-9-]+/|collectie/\d+/)?artikel/{number}-)")
    return [r.path for r in site.requests() if pattern.match(r.path)]
