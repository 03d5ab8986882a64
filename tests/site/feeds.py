"""RSS feeds, sitemaps and robots.txt of the NOS-like site."""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape

from tests.site.content import Article, catalogue

ROBOTS_DISALLOWED_PATH = "/intern/artikel/2480999-concept-wagner-niet-publiceren"
UTM_QUERY = "utm_source=rss&utm_medium=feed&utm_campaign=nosnieuwsbuitenland"


@dataclass(frozen=True)
class FeedItem:
    title: str
    link: str
    published: datetime
    summary: str
    guid: str


def rss(base: str, title: str, self_path: str, items: Iterable[FeedItem]) -> str:
    """An RSS 2.0 document shaped like NOS's feeds."""
    items = list(items)
    built = max((i.published for i in items), default=datetime(2023, 8, 1).astimezone())
    entries = "\n".join(
        f"""<item>
<title>{escape(i.title)}</title>
<link>{escape(i.link)}</link>
<description><![CDATA[<p>{i.summary}</p>]]></description>
<pubDate>{format_datetime(i.published)}</pubDate>
<guid isPermaLink="false">{escape(i.guid)}</guid>
<enclosure url="{escape(base)}/img/{escape(i.guid)}.jpg" type="image/jpeg" length="0"/>
</item>"""
        for i in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{escape(title)}</title>
<link>{escape(base)}/</link>
<description>{escape(title)}</description>
<language>nl</language>
<copyright>Copyright NOS</copyright>
<lastBuildDate>{format_datetime(built)}</lastBuildDate>
<atom:link href="{escape(base + self_path)}" rel="self" type="application/rss+xml"/>
{entries}
</channel>
</rss>
"""


def item_for(base: str, page: Article, link: str | None = None) -> FeedItem:
    return FeedItem(
        title=page.title,
        link=link or base + page.short_path,
        published=page.published,
        summary=escape(page.lead),
        guid=str(page.id),
    )


def nos_feed(base: str, off_host_base: str, name: str) -> str:
    """``/nosnieuwsalgemeen`` or ``/nosnieuwsbuitenland``, with the realistic oddities.

    Items link ``/l/<id>`` short URLs. The general feed also holds an item in a path that
    robots.txt disallows and one on a host outside the allowed hosts; the foreign feed links
    one article under a ``utm_``-tagged full URL (the general feed has it as a short link).
    """
    cat = catalogue()
    feed = name.removeprefix("nosnieuws")
    items = []
    for page in cat.in_feed(feed):
        link = None
        if feed == "buitenland" and page.id == 2478335:
            link = f"{base}{page.path}?{UTM_QUERY}"
        items.append(item_for(base, page, link))
    if feed == "algemeen":
        wagner = cat.by_id[2480712]
        items.insert(
            1,
            FeedItem(
                title="Concept: Wagner-strijders trekken verder (niet publiceren)",
                link=base + ROBOTS_DISALLOWED_PATH,
                published=wagner.published,
                summary="Interne conceptversie.",
                guid="2480999",
            ),
        )
        items.insert(
            2,
            FeedItem(
                title="Elders: Belarus-nieuws op een andere site",
                link=f"{off_host_base}/artikel/2481000-belarus-nieuws-elders",
                published=wagner.published,
                summary="Een link naar een andere host.",
                guid="2481000",
            ),
        )
    title = {"algemeen": "NOS Nieuws - Algemeen", "buitenland": "NOS Nieuws - Buitenland"}[feed]
    return rss(base, title, f"/{name}", items)


def misbehaving_feed(base: str, off_host_base: str, paths: Iterable[str]) -> str:
    """A feed whose items are the misbehaving endpoints, for end-to-end ingest tests."""
    stamp = datetime.fromisoformat("2023-08-02T18:00:00+02:00")
    items = [
        FeedItem(
            title=f"Storing {path}",
            link=base + path,
            published=stamp,
            summary=f"Testpagina {escape(path)}",
            guid=f"storing-{path.strip('/')}",
        )
        for path in paths
    ]
    items.append(
        FeedItem(
            title="Elders",
            link=f"{off_host_base}/artikel/2481001-elders",
            published=stamp,
            summary="Andere host.",
            guid="storing-elders",
        )
    )
    return rss(base, "NOS Nieuws - Storingen (test)", "/feeds/storingen", items)


MALFORMED_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
<channel>
<title>NOS Nieuws - Kapot</title>
<item>
<title>Onafgesloten item & een kale ampersand</title>
<link>/l/2447831
<pubDate>gisteren ergens</pubDate>
</item>
<item><title>Nog een <b>item</title>
</channel>
"""


def robots_txt(base: str) -> str:
    return f"""# robots.txt van de lokale NOS-achtige testsite
User-agent: *
Disallow: /intern/
Disallow: /zoeken
Disallow: /*?preview=
Allow: /

User-agent: GPTBot
Disallow: /

Sitemap: {base}/sitemap.xml
"""


def sitemap_index(base: str) -> str:
    maps = ["/sitemaps/artikelen.xml", "/sitemaps/nieuws.xml", "/sitemaps/archief-ouder.xml.gz"]
    entries = "\n".join(
        f"<sitemap><loc>{escape(base + m)}</loc>"
        "<lastmod>2023-08-01T18:00:00+02:00</lastmod></sitemap>"
        for m in maps
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{entries}
</sitemapindex>
"""


def urlset(base: str, pages: Iterable[Article], extra_paths: Iterable[str] = ()) -> str:
    rows = [
        f"<url><loc>{escape(base + p.path)}</loc><lastmod>{p.published.isoformat()}</lastmod>"
        "<changefreq>never</changefreq></url>"
        for p in pages
    ]
    rows += [f"<url><loc>{escape(base + path)}</loc></url>" for path in extra_paths]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(rows)
        + "\n</urlset>\n"
    )


def news_sitemap(base: str, pages: Iterable[Article]) -> str:
    rows = "\n".join(
        f"""<url><loc>{escape(base + p.path)}</loc><news:news>
<news:publication><news:name>NOS</news:name><news:language>nl</news:language></news:publication>
<news:publication_date>{p.published.isoformat()}</news:publication_date>
<news:title>{escape(p.title)}</news:title></news:news></url>"""
        for p in pages
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{rows}
</urlset>
"""


def sitemaps(base: str) -> dict[str, tuple[bytes, str]]:
    """Path → (body, content type) of every sitemap document."""
    cat = catalogue()
    recent = [a for a in cat.articles if a.published.year == 2023]
    older = [a for a in cat.articles if a.published.year < 2023]
    news = [a for a in recent if a.published.month == 8]
    xml = "application/xml; charset=utf-8"
    return {
        "/sitemap.xml": (sitemap_index(base).encode(), xml),
        "/sitemaps/artikelen.xml": (
            urlset(
                base, recent + list(cat.liveblogs + cat.videos), [ROBOTS_DISALLOWED_PATH]
            ).encode(),
            xml,
        ),
        "/sitemaps/nieuws.xml": (news_sitemap(base, news).encode(), xml),
        "/sitemaps/archief-ouder.xml.gz": (
            gzip.compress(urlset(base, older).encode(), mtime=0),
            "application/x-gzip",
        ),
    }
