"""URL canonicalisation: one implementation for discovery, dedup and storage.

Two URLs that point at the same article must canonicalise to the same string. The generic URL
rules (host case and IDNA, percent-encoding, ``.``/``..`` segments, sorted query, no fragment)
are w3lib's ``canonicalize_url``, as Scrapy uses it; on top come the news rules that make
one article one URL: default ports, ``www.``/``amp.`` hosts, AMP paths, tracking parameters
(``utm_*``, ``fbclid`` …), repeated and trailing slashes. An encoded ``%2F`` stays encoded:
servers may route ``a%2Fb`` and ``a/b`` differently.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as w3lib_canonicalize_url

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "ref",
        "ref_src",
        "cmpid",
        "xtor",
        "at_medium",
        "at_campaign",
        "amp",
        "outputtype",
    }
)
TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_")
DEFAULT_PORTS = {"http": 80, "https": 443}
_AMP_PATH = re.compile(r"(/amp)(?=/|$)|(\.amp)(?=$|\.html?$)")
_MULTI_SLASH = re.compile(r"/{2,}")


def is_tracking_param(name: str) -> bool:
    """Whether a query parameter only tracks the reader (and so never changes the page)."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


@lru_cache(maxsize=8192)
def canonicalize_url(url: str) -> str:
    """The canonical form of an http(s) URL; other schemes are returned stripped but as-is.

    Raises ``ValueError`` for an http(s) URL that cannot be parsed (a bad port or IPv6 host).
    Remembered for the last few thousand URLs: a page's URLs are asked for at each stage
    (listing, claims, identity, aliases), about nine times per stored page.
    """
    url = url.strip()
    try:
        scheme = urlsplit(url).scheme.lower()
        if scheme not in DEFAULT_PORTS:
            return url
        parts = urlsplit(w3lib_canonicalize_url(url, keep_fragments=False))
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"cannot canonicalise {url!r}: {exc}") from exc
    host = (parts.hostname or "").rstrip(".")
    for prefix in ("amp.", "www."):
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _AMP_PATH.sub("", _MULTI_SLASH.sub("/", parts.path or "/")) or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    # w3lib has sorted and encoded the pairs; keep its spelling, drop the trackers.
    query = "&".join(
        pair
        for pair in parts.query.split("&")
        if pair and not is_tracking_param(unquote_plus(pair.split("=", 1)[0]))
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def scheme_twin(url: str) -> str | None:
    """The same canonical URL under the other of http/https (one page for identity: sites
    serve both and link either), or None for another scheme."""
    for one, other in (("http://", "https://"), ("https://", "http://")):
        if url.startswith(one):
            return other + url[len(one) :]
    return None


def url_host(url: str) -> str:
    """The lower-case host of a URL ('' when there is none)."""
    return (urlsplit(url).hostname or "").lower()


SEED_OUTLET = "seed corpus"  # the seeds' outlet when they have no URL: not a publisher


def outlet_name(url: str | None, source_name: str | None, origin: str) -> str:
    """Who published it, as the digest and the CLI name it: the URL's host without ``www.``,
    else the source, else the origin (a seed without URL: ``seed corpus``)."""
    host = url_host(url).removeprefix("www.") if url else ""
    if host:
        return host
    if origin == "seed":
        return SEED_OUTLET
    return source_name or origin
