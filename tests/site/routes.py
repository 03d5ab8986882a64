"""What the site answers: static documents, redirects, archives, generated pages, misbehaviour.

A route returns a :class:`Reply`; the few misbehaving routes that must control the socket
(slow, drip, huge bodies) return a reply with a ``writer`` that the server calls instead.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import parse_qs

from tests.site.content import ARCHIVE_DAYS, Article, catalogue
from tests.site.feeds import (
    MALFORMED_FEED,
    ROBOTS_DISALLOWED_PATH,
    item_for,
    misbehaving_feed,
    nos_feed,
    robots_txt,
    rss,
    sitemaps,
)
from tests.site.generated import (
    MAX_GENERATED,
    generated_article,
    generated_numbers_on,
    generated_path,
)
from tests.site.pages import archive_page, article_page, liveblog_page, video_page

HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
HUGE_BYTES = 20 * 1024 * 1024
SLOW_DELAY_S = 2.5
RETRY_AFTER_S = 1


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str | None = HTML
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None
    conditional: bool = False  # answer If-None-Match / If-Modified-Since with 304
    writer: Callable[[Writer], bool] | None = None  # returns: body sent in full


class Writer:
    """What a streaming route may do with the connection (implemented by the server)."""

    def head(self, status: int, headers: dict[str, str]) -> None:
        raise NotImplementedError

    def write(self, data: bytes) -> bool:
        """Send ``data``; False once the client has gone away."""
        raise NotImplementedError


#: Every misbehaving endpoint and the fetch outcome it must end as (FetchConfig as given by
#: ``NosSite.sources_config``: 1 s timeout, 5 MB cap, 5 redirects, robots obeyed).
MISBEHAVING: dict[str, str] = {
    "/misbehave/429-once": "ok",
    "/misbehave/429-always": "blocked",
    "/misbehave/503-once": "ok",
    "/misbehave/500": "http_error",
    "/misbehave/403": "blocked",
    "/misbehave/slow": "timeout",
    "/misbehave/drip": "timeout",
    "/misbehave/huge": "too_large",
    "/misbehave/huge-stream": "too_large",
    "/misbehave/cp1252": "ok",
    "/misbehave/redirect-chain": "ok",
    "/misbehave/redirect-loop": "redirect_error",
    "/misbehave/redirect-long": "redirect_error",
    "/misbehave/redirect-offhost": "off_host",
    "/misbehave/redirect-disallowed": "robots_disallowed",
    "/misbehave/redirect-ftp": "bad_scheme",
    "/misbehave/pdf": "bad_content_type",
    "/misbehave/empty": "ok",
}
REDIRECT_CHAIN_END = "/artikel/2485002-omleiding-eindpunt-belarussische-grenscontrole"


def static_routes(base: str, off_host_base: str) -> dict[str, Reply]:
    """Every document that does not depend on the request, by path (queries are ignored)."""
    cat = catalogue()
    routes: dict[str, Reply] = {}

    def related(page: Article) -> list[Article]:
        return [cat.by_id[i] for i in page.related if i in cat.by_id]

    for page in cat.articles:
        html = article_page(base, page, related(page))
        routes[page.path] = Reply(
            body=html.encode(), last_modified=page.published, conditional=True
        )
    for page in cat.extras:
        if page.explicit_path.startswith("/artikel/"):
            routes[page.path] = Reply(body=article_page(base, page, []).encode())
    for blog in cat.liveblogs:
        routes[blog.path] = Reply(body=liveblog_page(base, blog).encode(), conditional=True)
    for video in cat.videos:
        routes[video.path] = Reply(body=video_page(base, video).encode(), conditional=True)
    for day in ARCHIVE_DAYS:
        routes[f"/nieuws/archief/{day}"] = Reply(
            body=archive_page(base, day, cat.on_day(day)).encode()
        )
    for name in ("nosnieuwsalgemeen", "nosnieuwsbuitenland"):
        newest = max(a.published for a in cat.in_feed(name.removeprefix("nosnieuws")))
        body = nos_feed(base, off_host_base, name).encode()
        routes[f"/{name}"] = Reply(
            body=body, content_type=RSS, last_modified=newest, conditional=True
        )
    routes["/feeds/storingen"] = Reply(
        body=misbehaving_feed(base, off_host_base, MISBEHAVING).encode(), content_type=RSS
    )
    routes["/feeds/kapot.xml"] = Reply(body=MALFORMED_FEED.encode(), content_type=RSS)
    for path, (body, ctype) in sitemaps(base).items():
        routes[path] = Reply(body=body, content_type=ctype, conditional=True)
    routes["/robots.txt"] = Reply(body=robots_txt(base).encode(), content_type="text/plain")
    disallowed = cat.by_id[2480712]
    routes[ROBOTS_DISALLOWED_PATH] = Reply(body=article_page(base, disallowed, []).encode())
    routes["/"] = Reply(
        body=archive_page(base, ARCHIVE_DAYS[-1], cat.on_day(ARCHIVE_DAYS[-1])).encode()
    )
    return routes


_SHORT = re.compile(r"^/l/(\d+)$")
_ARCHIVE = re.compile(r"^/nieuws/archief/(\d{4}-\d{2}-\d{2})$")
_GEN = re.compile(r"^/gen/artikel/(\d+)-")
_GEN_ARCHIVE = re.compile(r"^/gen/archief/(\d{4}-\d{2}-\d{2})$")
_LONG = re.compile(r"^/misbehave/redirect-long(?:/(\d+))?$")


def dynamic_reply(
    site_base: str, off_host_base: str, path: str, query: str, hits: int
) -> Reply | None:
    """Routes computed per request; ``hits`` counts earlier requests for this path and query."""
    cat = catalogue()
    params = {k: v[-1] for k, v in parse_qs(query).items()}
    if m := _SHORT.match(path):
        page = cat.by_id.get(int(m.group(1)))
        return _redirect(301, site_base + page.path) if page else None
    if m := _ARCHIVE.match(path):
        try:
            day = date.fromisoformat(m.group(1))
        except ValueError:
            return None
        return Reply(body=archive_page(site_base, day, cat.on_day(day)).encode())
    if m := _GEN.match(path):
        n = int(m.group(1))
        if not 1 <= n <= MAX_GENERATED or path != generated_path(n):
            return None
        article = generated_article(n)
        near = [generated_article(i) for i in (n - 1, n + 1) if 1 <= i <= MAX_GENERATED]
        return Reply(body=article_page(site_base, article, near).encode())
    if path == "/gen/feed":
        first = max(int(params.get("first", "1") or 1), 1)
        last = min(first + int(params.get("count", "500") or 500) - 1, MAX_GENERATED)
        body = generated_feed(site_base, "/gen/feed", range(last, first - 1, -1))
        return Reply(body=body.encode(), content_type=RSS)
    if m := _GEN_ARCHIVE.match(path):
        day = date.fromisoformat(m.group(1))
        pages = [generated_article(n) for n in generated_numbers_on(day)]
        return Reply(body=archive_page(site_base, day, pages).encode())
    if path.startswith("/misbehave/"):
        return _misbehave(site_base, off_host_base, path, params, hits)
    return None


def generated_feed(site_base: str, self_path: str, numbers: Iterable[int]) -> str:
    """An RSS document listing the generated pages ``numbers`` (direct links), in that order."""
    items = [
        item_for(site_base, generated_article(n), site_base + generated_path(n)) for n in numbers
    ]
    return rss(site_base, "Gegenereerd", self_path, items)


def _redirect(status: int, location: str) -> Reply:
    return Reply(status=status, headers={"Location": location}, body=b"", content_type=None)


def _extra(base: str, page_id: int) -> bytes:
    return article_page(base, catalogue().by_id[page_id], []).encode()


def _misbehave(
    base: str, off_host_base: str, path: str, params: dict[str, str], hits: int
) -> Reply | None:
    after = params.get("after", str(RETRY_AFTER_S))
    if path == "/misbehave/429-once":
        if hits == 0:
            return Reply(status=429, headers={"Retry-After": after}, body=b"Te veel verzoeken")
        return Reply(body=_extra(base, 2485003))
    if path == "/misbehave/429-always":
        return Reply(status=429, headers={"Retry-After": after}, body=b"Te veel verzoeken")
    if path == "/misbehave/503-once":
        if hits == 0:
            return Reply(status=503, body=b"Even geduld")
        return Reply(body=_extra(base, 2485004))
    if path == "/misbehave/500":
        return Reply(status=500, body=b"Interne fout")
    if path == "/misbehave/403":
        return Reply(status=403, body=b"Geen toegang")
    if path == "/misbehave/slow":
        delay = float(params.get("delay", SLOW_DELAY_S))
        return Reply(writer=lambda w: _slow(w, delay, _extra(base, 2485003)))
    if path == "/misbehave/drip":
        return Reply(writer=_drip)
    if path == "/misbehave/huge":
        return Reply(writer=lambda w: _huge(w, with_length=True))
    if path == "/misbehave/huge-stream":
        return Reply(writer=lambda w: _huge(w, with_length=False))
    if path == "/misbehave/cp1252":
        html = article_page(base, catalogue().by_id[2485001], []).replace(
            '<meta charset="utf-8">\n', ""
        )
        return Reply(body=html.encode("windows-1252"), content_type="text/html")
    if path == "/misbehave/redirect-chain":
        return _redirect(301, "/misbehave/redirect-chain/2")
    if path == "/misbehave/redirect-chain/2":
        return _redirect(302, base + "/misbehave/redirect-chain/3")
    if path == "/misbehave/redirect-chain/3":
        return _redirect(307, REDIRECT_CHAIN_END)
    if path == "/misbehave/redirect-loop":
        return _redirect(302, "/misbehave/redirect-loop/b")
    if path == "/misbehave/redirect-loop/b":
        return _redirect(302, base + "/misbehave/redirect-loop")
    if m := _LONG.match(path):
        step = int(m.group(1) or 0)
        target = f"/misbehave/redirect-long/{step + 1}" if step < 10 else REDIRECT_CHAIN_END
        return _redirect(302, target)
    if path == "/misbehave/redirect-offhost":
        return _redirect(302, off_host_base + "/artikel/2481002-omgeleid-naar-elders")
    if path == "/misbehave/redirect-disallowed":
        return _redirect(302, ROBOTS_DISALLOWED_PATH)
    if path == "/misbehave/redirect-ftp":
        return _redirect(302, "ftp://127.0.0.1/pub/artikel.html")
    if path == "/misbehave/pdf":
        return Reply(body=b"%PDF-1.4\n% nep-pdf\n", content_type="application/pdf")
    if path == "/misbehave/empty":
        return Reply(
            body=b"<!DOCTYPE html><html lang=nl><head><title>Leeg</title></head>"
            b"<body></body></html>"
        )
    return None


def _slow(w: Writer, delay: float, body: bytes) -> bool:
    time.sleep(delay)
    w.head(200, {"Content-Type": HTML, "Content-Length": str(len(body))})
    return w.write(body)


def _drip(w: Writer) -> bool:
    total = 10_000
    w.head(200, {"Content-Type": HTML, "Content-Length": str(total)})
    for _ in range(total):
        if not w.write(b" "):
            return False
        time.sleep(0.2)
    return True


def _huge(w: Writer, with_length: bool) -> bool:
    chunk = (b"<p>" + b"Belarus " * 8190 + b"</p>\n")[: 64 * 1024]
    headers = {"Content-Type": HTML}
    if with_length:
        headers["Content-Length"] = str(HUGE_BYTES)
    else:
        headers["Connection"] = "close"
    w.head(200, headers)
    sent = 0
    while sent < HUGE_BYTES:
        if not w.write(chunk[: HUGE_BYTES - sent]):
            return False
        sent += len(chunk)
    return True
