# ruff: noqa: E501 -- HTML templates read best one element per line, however long.
"""HTML of the NOS-like pages: the page chrome, articles, live blog, video and archive days.

Shaped like nos.nl: generated CSS class names, header navigation, breadcrumbs, an article with
h1 / time / byline / paragraphs, a "Deel artikel" share block inside the article, "Meer over dit
onderwerp" related links, "Meest gelezen", a footer, ``rel=canonical``, og:/article: meta tags
and JSON-LD.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from html import escape

from tests.site.content import Article

MONTHS = "januari februari maart april mei juni juli augustus september oktober november december"
WEEKDAYS = "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag"


def cls(name: str) -> str:
    """A stable, generated-looking class name (``sc-3f1a9c2e-0 kQxWbz``) for ``name``."""
    digest = hashlib.sha1(name.encode()).hexdigest()
    letters = "".join(chr(ord("a") + int(c, 16) % 26) for c in digest[8:14])
    return f"sc-{digest[:8]}-0 {letters[0].upper()}{letters[1:]}"


def dutch_date(moment: datetime, with_time: bool = True) -> str:
    text = f"{moment.day} {MONTHS.split()[moment.month - 1]} {moment.year}"
    return f"{text}, {moment:%H:%M}" if with_time else text


def dutch_day(day: date) -> str:
    return f"{WEEKDAYS.split()[day.weekday()]} {dutch_date(datetime(day.year, day.month, day.day), False)}"


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def page(
    base: str,
    *,
    title: str,
    canonical: str,
    description: str,
    main: str,
    meta: Iterable[tuple[str, str]] = (),
    json_ld: Mapping[str, object] | None = None,
) -> str:
    """The full page around ``main``: head, header navigation, footer."""
    metas = "\n".join(f'<meta property="{escape(k)}" content="{escape(v)}">' for k, v in meta)
    ld = (
        f'<script type="application/ld+json">{json.dumps(json_ld, ensure_ascii=False)}</script>'
        if json_ld
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} | NOS</title>
<meta name="description" content="{escape(description)}">
<link rel="canonical" href="{escape(base + canonical)}">
<meta property="og:site_name" content="NOS">
<meta property="og:locale" content="nl_NL">
<meta property="og:title" content="{escape(title)}">
<meta property="og:description" content="{escape(description)}">
<meta property="og:url" content="{escape(base + canonical)}">
{metas}
<link rel="stylesheet" href="/_next/static/css/7c1d2e3f4a5b6c7d.css">
<link rel="alternate" type="application/rss+xml" title="NOS Nieuws" href="/nosnieuwsalgemeen">
{ld}
</head>
<body>
<div id="__next">
<a class="{cls("skip")}" href="#content">Naar de hoofdinhoud</a>
{_header()}
<main id="content" class="{cls("main")}">
{main}
{_most_read()}
</main>
{_footer()}
</div>
<script id="__NEXT_DATA__" type="application/json">{{"props":{{"pageProps":{{}}}},"page":"/artikel/[id]","buildId":"mO3k2Lp9"}}</script>
</body>
</html>
"""


def _header() -> str:
    main_nav = [
        ("/", "Nieuws"),
        ("/sport", "Sport"),
        ("/live", "Live"),
        ("/uitzendingen", "Uitzendingen"),
        ("/nieuwsuur", "Nieuwsuur"),
        ("/jeugdjournaal", "Jeugdjournaal"),
    ]
    categories = [
        ("/nieuws/binnenland", "Binnenland"),
        ("/nieuws/buitenland", "Buitenland"),
        ("/nieuws/regio", "Regionaal nieuws"),
        ("/nieuws/politiek", "Politiek"),
        ("/nieuws/economie", "Economie"),
        ("/nieuws/koningshuis", "Koningshuis"),
        ("/nieuws/tech", "Tech"),
        ("/nieuws/cultuur-en-media", "Cultuur & Media"),
        ("/nieuws/opmerkelijk", "Opmerkelijk"),
    ]
    first = "".join(
        f'<li class="{cls("nav-item")}"><a href="{h}">{t}</a></li>' for h, t in main_nav
    )
    second = "".join(
        f'<li><a class="{cls("cat")}" href="{h}">{escape(t)}</a></li>' for h, t in categories
    )
    return f"""<header class="{cls("header")}">
<a class="{cls("logo")}" href="/" aria-label="NOS home"><svg width="60" height="24" role="img"><title>NOS</title></svg></a>
<nav aria-label="Hoofdmenu" class="{cls("nav")}"><ul>{first}</ul></nav>
<nav aria-label="Categorieën" class="{cls("categories")}"><ul>{second}</ul></nav>
<form role="search" action="/zoeken" class="{cls("search")}"><input type="search" name="q" placeholder="Zoeken"><button type="submit">Zoek</button></form>
</header>"""


def _most_read() -> str:
    items = [
        "Storm zorgt voor vertragingen op het spoor",
        "Hittegolf houdt nog dagen aan",
        "Nieuwe regels voor de kinderopvang",
        "Bouwvakkers leggen werk neer",
    ]
    lis = "".join(
        f'<li><a href="/artikel/{2479000 + i}-meest-gelezen-{i}">{escape(t)}</a></li>'
        for i, t in enumerate(items)
    )
    return f"""<section class="{cls("mostread")}" aria-labelledby="meest-gelezen">
<h2 id="meest-gelezen">Meest gelezen</h2><ol>{lis}</ol>
</section>"""


def _footer() -> str:
    links = [
        ("/over-de-nos", "Over de NOS"),
        ("/contact", "Contact"),
        ("/vacatures", "Vacatures"),
        ("/privacy", "Privacyverklaring"),
        ("/cookies", "Cookie-instellingen"),
        ("/toegankelijkheid", "Toegankelijkheid"),
        ("/app", "Download de NOS-app"),
    ]
    lis = "".join(f'<li><a href="{h}">{t}</a></li>' for h, t in links)
    return f"""<footer class="{cls("footer")}">
<nav aria-label="Over de NOS"><ul>{lis}</ul></nav>
<p class="{cls("copyright")}">© NOS 2023 — NOS is onderdeel van de Nederlandse Publieke Omroep</p>
</footer>"""


def _breadcrumbs(section: str) -> str:
    slug = section.lower().replace(" ", "-")
    return f"""<nav aria-label="Kruimelpad" class="{cls("crumbs")}"><ol>
<li><a href="/">NOS</a></li><li><a href="/nieuws">Nieuws</a></li><li><a href="/nieuws/{slug}">{escape(section)}</a></li>
</ol></nav>"""


def _share(base: str, path: str, title: str) -> str:
    url = escape(base + path)
    return f"""<section class="{cls("share")}" aria-label="Deel artikel">
<h2 class="{cls("share-title")}">Deel artikel:</h2>
<ul>
<li><a href="https://www.facebook.com/sharer/sharer.php?u={url}" rel="noopener">Facebook</a></li>
<li><a href="https://x.com/intent/post?url={url}&amp;text={escape(title)}" rel="noopener">X</a></li>
<li><a href="https://wa.me/?text={url}" rel="noopener">WhatsApp</a></li>
<li><button type="button" class="{cls("copy")}">Link kopiëren</button></li>
</ul>
</section>"""


def _related(items: list[Article]) -> str:
    if not items:
        return ""
    lis = "".join(
        f'<li class="{cls("rel-item")}"><a href="{a.path}"><span>{escape(a.title)}</span>'
        f'<time datetime="{utc(a.published)}">{dutch_date(a.published, False)}</time></a></li>'
        for a in items
    )
    return f"""<aside class="{cls("related")}" aria-labelledby="meer-over">
<h2 id="meer-over">Meer over dit onderwerp</h2><ul>{lis}</ul>
</aside>"""


def _body(paragraphs: Iterable[str]) -> str:
    out = []
    for text in paragraphs:
        if text.startswith("## "):
            out.append(f'<h2 class="{cls("subhead")}">{escape(text[3:])}</h2>')
        else:
            out.append(f'<p class="{cls("para")}">{escape(text)}</p>')
    return "\n".join(out)


def article_page(base: str, article: Article, related: list[Article]) -> str:
    """An article: breadcrumbs, header, image, lead, body, share block, related links."""
    updated = article.published + timedelta(minutes=47)
    byline = (
        f'<p class="{cls("byline")}">door <span>{escape(article.author)}</span></p>'
        if article.author
        else ""
    )
    author_ld = (
        {"@type": "Person", "name": article.author}
        if article.author
        else {"@type": "Organization", "name": "NOS Nieuws"}
    )
    main = f"""{_breadcrumbs(article.section)}
<article class="{cls("article")}">
<header class="{cls("article-header")}">
<p class="{cls("kicker")}">{escape(article.section)}</p>
<h1 class="{cls("title")}">{escape(article.title)}</h1>
{byline}
<p class="{cls("meta")}"><time datetime="{utc(article.published)}">{dutch_date(article.published)}</time>
<span class="{cls("updated")}">Aangepast <time datetime="{utc(updated)}">{updated:%H:%M}</time></span></p>
</header>
<figure class="{cls("figure")}"><img src="/img/{article.id}.jpg" alt="{escape(article.caption)}" width="1200" height="675">
<figcaption>{escape(article.caption)} <span class="{cls("credit")}">ANP</span></figcaption></figure>
<div class="{cls("body")}">
<p class="{cls("lead")}"><strong>{escape(article.lead)}</strong></p>
{_body(article.paragraphs)}
</div>
{_share(base, article.path, article.title)}
</article>
{_related(related)}"""
    json_ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.lead,
        "datePublished": article.published.isoformat(),
        "dateModified": updated.isoformat(),
        "author": author_ld,
        "publisher": {"@type": "Organization", "name": "NOS", "url": base + "/"},
        "mainEntityOfPage": base + article.path,
        "inLanguage": "nl",
        "articleSection": article.section,
    }
    meta = [
        ("og:type", "article"),
        ("article:published_time", article.published.isoformat()),
        ("article:modified_time", updated.isoformat()),
        ("article:section", article.section),
    ]
    return page(
        base,
        title=article.title,
        canonical=article.path,
        description=article.lead,
        main=main,
        meta=meta,
        json_ld=json_ld,
    )


def liveblog_page(base: str, blog: Article) -> str:
    """A live blog: many short timestamped updates, no single article text."""
    items = "\n".join(
        f"""<li class="{cls("live-item")}"><time>{escape(t)}</time><h3>{escape(h)}</h3><p>{escape(p)}</p>{_share(base, blog.path, h)}</li>"""
        for t, h, p in blog.updates
    )
    main = f"""{_breadcrumbs(blog.section)}
<section class="{cls("liveblog")}">
<h1 class="{cls("title")}">{escape(blog.title)}</h1>
<p class="{cls("live-badge")}">Live · bijgewerkt <time datetime="{utc(blog.published)}">{dutch_date(blog.published)}</time></p>
<ol class="{cls("live-list")}">{items}</ol>
</section>"""
    json_ld = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": blog.title,
        "coverageStartTime": blog.published.isoformat(),
        "datePublished": blog.published.isoformat(),
    }
    return page(
        base,
        title=blog.title,
        canonical=blog.path,
        description=blog.title,
        main=main,
        meta=[("og:type", "article")],
        json_ld=json_ld,
    )


def video_page(base: str, video: Article) -> str:
    """A video page: a player and one line of text."""
    main = f"""{_breadcrumbs(video.section)}
<article class="{cls("video")}">
<h1 class="{cls("title")}">{escape(video.title)}</h1>
<time datetime="{utc(video.published)}">{dutch_date(video.published)}</time>
<div class="{cls("player")}" data-video-id="{video.id}" data-src="/video/stream/{video.id}.m3u8">
<video controls preload="none" poster="/img/{video.id}.jpg"></video></div>
<p class="{cls("video-desc")}">{escape(video.lead)}</p>
{_share(base, video.path, video.title)}
</article>"""
    json_ld = {
        "@context": "https://schema.org",
        "@type": "VideoObject",
        "name": video.title,
        "uploadDate": video.published.isoformat(),
        "description": video.lead,
    }
    return page(
        base,
        title=video.title,
        canonical=video.path,
        description=video.lead,
        main=main,
        meta=[("og:type", "video.other")],
        json_ld=json_ld,
    )


def archive_page(base: str, day: date, items: list[Article]) -> str:
    """A day archive: a list of links; articles are found by URL pattern, not by class."""
    prev_day, next_day = day - timedelta(days=1), day + timedelta(days=1)
    lis = "\n".join(
        f"""<li class="{cls("archive-item")}"><a class="{cls("archive-link")}" href="{a.path}">
<div class="{cls("archive-meta")}"><span>{escape(a.section)}</span><time datetime="{utc(a.published)}">{a.published:%H:%M}</time></div>
<h2 class="{cls("archive-title")}">{escape(a.title)}</h2><p>{escape(a.lead[:140])}</p></a></li>"""
        for a in items
    )
    empty = "" if items else f'<p class="{cls("empty")}">Er zijn geen artikelen voor deze dag.</p>'
    main = f"""{_breadcrumbs("Archief")}
<section class="{cls("archive")}">
<h1>Nieuwsarchief {dutch_day(day)}</h1>
<nav aria-label="Dagen" class="{cls("days")}"><a href="/nieuws/archief/{prev_day}">Vorige dag</a> <a href="/nieuws/archief/{next_day}">Volgende dag</a></nav>
<ul class="{cls("archive-list")}">{lis}</ul>{empty}
</section>"""
    return page(
        base,
        title=f"Nieuwsarchief {dutch_day(day)}",
        canonical=f"/nieuws/archief/{day}",
        description=f"Al het nieuws van {dutch_day(day)}",
        main=main,
    )
