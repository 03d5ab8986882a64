"""What the polite client accepts: URL checks, content types, the size cap, Retry-After.

Plain functions over one HTTP exchange, kept apart from :mod:`scrapers.http`, which decides
when to send, retry and follow.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import httpx

from scrapers.fetch_result import Outcome
from scrapers.sources import normalize_host

Expect = Literal["html", "feed", "sitemap", "any"]
_HTML = ("text/html", "application/xhtml+xml")
_XML = ("application/xml", "text/xml")
_FEED = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", *_XML)
_GZIP = ("application/gzip", "application/x-gzip", "application/octet-stream")
#: Accept header and acceptable Content-Types per kind of document; "any" checks nothing.
CONTENT_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "html": ("text/html,application/xhtml+xml;q=0.9,*/*;q=0.1", _HTML),
    "feed": ("application/rss+xml,application/atom+xml,application/xml;q=0.9,*/*;q=0.1", _FEED),
    "sitemap": ("application/xml,text/xml;q=0.9,application/gzip;q=0.8,*/*;q=0.1", _XML + _GZIP),
    "any": ("*/*", ()),
}
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})  # "moved for good": the new URL is to be used
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})


@dataclass
class Exchange:
    """One attempt at one URL: a status with headers (and a body), or the failure that ended it."""

    status: int | None = None
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    body: bytes | None = None
    n_bytes: int = 0
    failure: Outcome | None = None
    error: str | None = None


async def read_body(
    response: httpx.Response, wanted: tuple[str, ...], max_bytes: int, *, truncate: bool = False
) -> Exchange:
    """Read a 2xx body under the size cap after checking its type; others keep no body.

    With ``truncate`` a longer body is cut at the cap instead of refused (robots.txt is obeyed
    up to its first 500 KiB); ``n_bytes`` then exceeds the body's length.
    """
    resp = Exchange(status=response.status_code, headers=response.headers)
    if not 200 <= response.status_code < 300:
        return resp
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if wanted and media_type and media_type not in wanted:
        resp.failure = Outcome.BAD_CONTENT_TYPE
        resp.error = f"content type {media_type!r} is not one of {', '.join(wanted)}"
        return resp
    declared = response.headers.get("content-length", "")
    if not truncate and declared.isdigit() and int(declared) > max_bytes:
        resp.failure = Outcome.TOO_LARGE
        resp.error = f"Content-Length {declared} exceeds the cap of {max_bytes} bytes"
        return resp
    chunks: list[bytes] = []
    async for chunk in response.aiter_bytes():
        resp.n_bytes += len(chunk)
        if resp.n_bytes > max_bytes and truncate:
            chunks.append(chunk)
            resp.body = b"".join(chunks)[:max_bytes]
            return resp
        if resp.n_bytes > max_bytes:
            resp.failure = Outcome.TOO_LARGE
            resp.error = f"body exceeds the cap of {max_bytes} bytes; stopped reading"
            return resp
        chunks.append(chunk)
    resp.body = b"".join(chunks)
    return resp


def check_url(url: str, hosts: frozenset[str], redirected: bool) -> tuple[Outcome, str] | None:
    """Why ``url`` must not be requested at all, or None."""
    via = "redirect to " if redirected else ""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a bad port
    except ValueError as exc:
        return Outcome.BAD_SCHEME, f"{via}invalid URL {url!r}: {exc}"
    if parts.scheme.lower() not in ("http", "https"):
        return Outcome.BAD_SCHEME, f"{via}{url!r}: only http and https are fetched"
    host = normalize_host(parts.hostname or "")
    if host not in hosts:
        return (
            Outcome.OFF_HOST,
            f"{via}host {host!r} is not an allowed host ({', '.join(sorted(hosts))})",
        )
    return None


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def without_fragment(url: str) -> str:
    try:
        return urlunsplit(urlsplit(url)._replace(fragment=""))
    except ValueError:  # left for _check_url to report
        return url
