"""The polite HTTP client: every request newsmon makes to a news site goes through here.

:class:`PoliteClient` identifies itself, obeys robots.txt, spaces request starts per host
(through a :class:`~scrapers.pacing.HostPacer`), caps concurrency, sends conditional GETs,
retries transient failures with backoff and jitter (honouring ``Retry-After``), follows
redirects itself so every hop is checked (scheme, allowed host, robots, loops, a cap), streams
bodies under a hard size cap, and checks content types. It never raises for a failed fetch: the
:class:`FetchResult` says what happened. It does not touch the database; the caller stores the
validators it returns and passes them back on the next poll.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from scrapers.fetch_result import FetchResult, Outcome, decode_body
from scrapers.pacing import HostPacer, InProcessPacer
from scrapers.robots import RobotsCache, RobotsPolicy
from scrapers.sources import FetchConfig, normalize_host

__all__ = ["CONTENT_TYPES", "FetchResult", "Outcome", "PoliteClient", "decode_body"]

logger = logging.getLogger(__name__)

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
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
ROBOTS_MAX_BYTES = 512_000


@dataclass
class _Response:
    """One attempt at one URL: a status with headers, or a failure that ended it."""

    status: int | None = None
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    body: bytes | None = None
    n_bytes: int = 0
    failure: Outcome | None = None
    error: str | None = None


@dataclass
class _Tally:
    """What one call of :meth:`PoliteClient.fetch` spent, across hops and retries."""

    attempts: int = 0
    waits: list[float] = field(default_factory=list)
    redirects: list[str] = field(default_factory=list)
    run_of_429: int = 0
    retry_after_too_long: float | None = None  # the refused Retry-After, seconds


class PoliteClient:
    """Async, polite fetching; use as ``async with PoliteClient(config) as client``.

    ``pacer`` spaces request starts per host (default: in this process only). ``transport``
    replaces the network (tests). ``obey_robots=False`` is for fetching robots.txt itself.
    """

    def __init__(
        self,
        config: FetchConfig | None = None,
        *,
        pacer: HostPacer | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config or FetchConfig()
        self._pacer: HostPacer = pacer or InProcessPacer()
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        self._slots: asyncio.Semaphore | None = None
        self._host_locks: dict[str, asyncio.Lock] = {}
        self._not_before: dict[str, float] = {}
        self._last_sent: dict[str, float] = {}
        self._robots = RobotsCache(self.config.user_agent, self._fetch_robots)

    async def __aenter__(self) -> PoliteClient:
        self._client()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def robots_policy(self, url: str) -> RobotsPolicy:
        """The cached robots.txt policy of ``url``'s origin (fetched on first use)."""
        return await self._robots.policy_for(url)

    async def fetch(
        self,
        url: str,
        *,
        allowed_hosts: Iterable[str],
        etag: str | None = None,
        last_modified: str | None = None,
        accept: Expect = "any",
        content_types: Collection[str] | None = None,
        min_interval_s: float | None = None,
    ) -> FetchResult:
        """GET ``url`` politely; never raises for a failed fetch (see :class:`FetchResult`).

        ``etag`` / ``last_modified`` are the validators stored from the previous fetch; an
        unchanged resource then ends as ``not_modified`` without a body. ``accept`` picks the
        Accept header and the acceptable Content-Types (``content_types`` overrides the latter).
        """
        try:
            return await self._fetch(
                url,
                hosts=frozenset(normalize_host(h) for h in allowed_hosts),
                etag=etag,
                last_modified=last_modified,
                accept=accept,
                content_types=content_types,
                min_interval_s=(
                    self.config.min_interval_s if min_interval_s is None else min_interval_s
                ),
                obey_robots=True,
                max_bytes=self.config.max_bytes,
            )
        except Exception as exc:  # a bug or an exotic library error: report it, do not raise
            logger.exception("unexpected error fetching %s", url)
            error = f"unexpected {type(exc).__name__}: {exc}"
            return FetchResult(url=url, final_url=url, outcome=Outcome.HTTP_ERROR, error=error)

    async def _fetch_robots(self, robots_url: str) -> FetchResult:
        host = normalize_host(urlsplit(robots_url).hostname or "")
        return await self._fetch(
            robots_url,
            hosts=frozenset({host}),
            etag=None,
            last_modified=None,
            accept="any",
            content_types=None,
            min_interval_s=self.config.min_interval_s,
            obey_robots=False,
            max_bytes=min(ROBOTS_MAX_BYTES, self.config.max_bytes),
        )

    async def _fetch(
        self,
        url: str,
        *,
        hosts: frozenset[str],
        etag: str | None,
        last_modified: str | None,
        accept: Expect,
        content_types: Collection[str] | None,
        min_interval_s: float,
        obey_robots: bool,
        max_bytes: int,
    ) -> FetchResult:
        started = time.monotonic()
        tally = _Tally()
        accept_header, default_types = CONTENT_TYPES[accept]
        wanted = tuple(content_types) if content_types is not None else default_types
        headers = {"Accept": accept_header}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified

        def done(outcome: Outcome, current: str, error: str | None, resp: _Response) -> FetchResult:
            result = _result(
                url, current, outcome, error, resp, tally, started, etag, last_modified
            )
            _log(result)
            return result

        current, seen = url, {_without_fragment(url)}
        for _hop in range(self.config.max_redirects + 1):
            refusal = _check_url(current, hosts, redirected=bool(tally.redirects))
            if refusal is not None:
                return done(refusal[0], current, refusal[1], _Response())
            interval = min_interval_s
            if obey_robots:
                policy = await self._robots.policy_for(current)
                if policy.state == "unreachable":
                    outcome = Outcome(policy.unreachable_outcome or Outcome.CONNECT_ERROR)
                    return done(outcome, current, policy.note, _Response())
                if not policy.allows(current):
                    reason = policy.note or "disallowed by robots.txt"
                    return done(Outcome.ROBOTS_DISALLOWED, current, reason, _Response())
                interval = max(interval, policy.crawl_delay_s or 0.0)
            resp = await self._get(current, headers, wanted, interval, max_bytes, tally)
            if resp.failure is not None:
                return done(resp.failure, current, resp.error, resp)
            assert resp.status is not None
            if resp.status in REDIRECTS:
                location = resp.headers.get("location", "").strip()
                if not location:
                    return done(Outcome.HTTP_ERROR, current, "redirect without Location", resp)
                try:
                    target = _without_fragment(urljoin(current, location))
                except ValueError:
                    return done(Outcome.REDIRECT_ERROR, current, f"bad Location {location!r}", resp)
                if target in seen:
                    return done(Outcome.REDIRECT_ERROR, current, f"redirect loop at {target}", resp)
                seen.add(target)
                tally.redirects.append(target)
                current = target
                continue
            outcome, error = _classify(resp.status, tally)
            return done(outcome, current, error, resp)
        error = f"more than {self.config.max_redirects} redirects"
        return done(Outcome.REDIRECT_ERROR, current, error, _Response())

    async def _get(
        self,
        url: str,
        headers: dict[str, str],
        wanted: tuple[str, ...],
        interval: float,
        max_bytes: int,
        tally: _Tally,
    ) -> _Response:
        """One URL with retries on connect errors, timeouts, 429 and 5xx."""
        host = normalize_host(urlsplit(url).hostname or "")
        tally.run_of_429 = 0
        for attempt in range(self.config.retries + 1):
            tally.attempts += 1
            resp = await self._attempt(url, host, headers, wanted, interval, max_bytes)
            tally.run_of_429 = tally.run_of_429 + 1 if resp.status == 429 else 0
            if resp.failure in (Outcome.TIMEOUT, Outcome.CONNECT_ERROR):
                wait = self._backoff(attempt)
            elif resp.status in RETRY_STATUSES:
                retry_after = parse_retry_after(resp.headers.get("retry-after"))
                if retry_after is None:
                    wait = self._backoff(attempt)
                elif retry_after > self.config.retry_after_max_s:
                    tally.retry_after_too_long = retry_after
                    return resp
                else:
                    wait = retry_after
                    self._not_before[host] = time.monotonic() + wait
                    if attempt < self.config.retries:
                        tally.waits.append(wait)
            else:
                return resp
            if attempt == self.config.retries:
                return resp
            logger.debug("retrying %s in %.2f s (%s)", url, wait, resp.failure or resp.status)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with equal jitter: half fixed, half random."""
        delay = min(self.config.backoff_max_s, self.config.backoff_base_s * 2**attempt)
        return delay / 2 + random.uniform(0, delay / 2)

    async def _attempt(
        self,
        url: str,
        host: str,
        headers: dict[str, str],
        wanted: tuple[str, ...],
        interval: float,
        max_bytes: int,
    ) -> _Response:
        """One request: start it when pacing allows, read the body under the caps."""
        client = self._client()
        async with self._permit(host, interval):
            try:
                async with asyncio.timeout(self.config.timeout_s):
                    gate = {"trace": self._send_gate(host, interval)}
                    async with client.stream(
                        "GET", url, headers=headers, extensions=gate
                    ) as response:
                        return await _read(response, wanted, max_bytes)
            except (TimeoutError, httpx.TimeoutException) as exc:
                limit = self.config.timeout_s
                return _Response(
                    failure=Outcome.TIMEOUT, error=f"no answer within {limit} s: {exc!r}"
                )
            except httpx.TransportError as exc:
                return _Response(
                    failure=Outcome.CONNECT_ERROR, error=f"{type(exc).__name__}: {exc}"
                )
            except httpx.DecodingError as exc:
                return _Response(failure=Outcome.HTTP_ERROR, error=f"undecodable body: {exc}")
            except httpx.InvalidURL as exc:
                return _Response(failure=Outcome.BAD_SCHEME, error=f"invalid URL: {exc}")

    def _send_gate(self, host: str, interval: float) -> Callable[[str, Any], Awaitable[None]]:
        """An httpcore trace hook that holds a request head until ``interval`` has passed since
        the last head this client wrote to ``host``.

        The pacer grants turns before a connection is opened or reused; a new connection or a
        busy event loop can delay one request more than the next, and the host would then see a
        shorter gap than configured. Spacing the moment the head is written closes that gap.
        """

        async def trace(event: str, info: Any) -> None:
            if not event.endswith("send_request_headers.started"):
                return
            while True:
                now = time.monotonic()
                due = self._last_sent.get(host, -math.inf) + interval
                if now >= due:
                    self._last_sent[host] = now
                    return
                await asyncio.sleep(due - now)

        return trace

    @asynccontextmanager
    async def _permit(self, host: str, interval: float) -> AsyncIterator[None]:
        """Hold a global slot, starting no earlier than the host's pacing allows.

        The per-host lock keeps requests for one busy host from hoarding global slots while
        they wait for their turn.
        """
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.config.max_concurrency)
        slots = self._slots
        lock = self._host_locks.setdefault(host, asyncio.Lock())
        async with lock:
            delay = self._not_before.get(host, 0.0) - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await slots.acquire()
            try:
                await self._pacer.wait_turn(host, interval)
            except BaseException:
                slots.release()
                raise
        try:
            yield
        finally:
            slots.release()

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            n = self.config.max_concurrency
            self._http = httpx.AsyncClient(
                http2=self.config.http2,
                follow_redirects=False,
                timeout=httpx.Timeout(self.config.timeout_s),
                limits=httpx.Limits(max_connections=n, max_keepalive_connections=n),
                headers={"User-Agent": self.config.user_agent},
                transport=self._transport,
            )
        return self._http


async def _read(response: httpx.Response, wanted: tuple[str, ...], max_bytes: int) -> _Response:
    """Read a 2xx body under the size cap after checking its type; others keep no body."""
    resp = _Response(status=response.status_code, headers=response.headers)
    if not 200 <= response.status_code < 300:
        return resp
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if wanted and media_type and media_type not in wanted:
        resp.failure = Outcome.BAD_CONTENT_TYPE
        resp.error = f"content type {media_type!r} is not one of {', '.join(wanted)}"
        return resp
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        resp.failure = Outcome.TOO_LARGE
        resp.error = f"Content-Length {declared} exceeds the cap of {max_bytes} bytes"
        return resp
    chunks: list[bytes] = []
    async for chunk in response.aiter_bytes():
        resp.n_bytes += len(chunk)
        if resp.n_bytes > max_bytes:
            resp.failure = Outcome.TOO_LARGE
            resp.error = f"body exceeds the cap of {max_bytes} bytes; stopped reading"
            return resp
        chunks.append(chunk)
    resp.body = b"".join(chunks)
    return resp


def _check_url(url: str, hosts: frozenset[str], redirected: bool) -> tuple[Outcome, str] | None:
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


def _classify(status: int, tally: _Tally) -> tuple[Outcome, str | None]:
    if status == 304:
        return Outcome.NOT_MODIFIED, None
    if 200 <= status < 300:
        return Outcome.OK, None
    if status == 403:
        return Outcome.BLOCKED, "403 Forbidden"
    too_long = tally.retry_after_too_long
    cap_note = f"; Retry-After {too_long:.0f} s exceeds the cap, not retried" if too_long else ""
    if status == 429 and (tally.run_of_429 >= 2 or too_long):
        return Outcome.BLOCKED, f"429 Too Many Requests ({tally.run_of_429} in a row){cap_note}"
    return Outcome.HTTP_ERROR, f"HTTP {status}{cap_note}"


def _result(
    url: str,
    final_url: str,
    outcome: Outcome,
    error: str | None,
    resp: _Response,
    tally: _Tally,
    started: float,
    sent_etag: str | None,
    sent_last_modified: str | None,
) -> FetchResult:
    keep_old = outcome is Outcome.NOT_MODIFIED
    return FetchResult(
        url=url,
        final_url=final_url,
        outcome=outcome,
        status_code=resp.status,
        body=resp.body if outcome is Outcome.OK else None,
        content_type=resp.headers.get("content-type"),
        etag=resp.headers.get("etag") or (sent_etag if keep_old else None),
        last_modified=resp.headers.get("last-modified")
        or (sent_last_modified if keep_old else None),
        error=error,
        elapsed_ms=(time.monotonic() - started) * 1000,
        n_bytes=resp.n_bytes,
        attempts=tally.attempts,
        retry_after_waits=tuple(tally.waits),
        redirects=tuple(tally.redirects),
    )


def _log(result: FetchResult) -> None:
    if result.ok or result.outcome is Outcome.NOT_MODIFIED:
        level = logging.DEBUG
    elif result.blocked:
        level = logging.WARNING
    else:
        level = logging.INFO
    logger.log(
        level,
        "%s %s -> %s%s (%d attempts, %.0f ms)",
        result.outcome,
        result.url,
        result.status_code or "-",
        f": {result.error}" if result.error else "",
        result.attempts,
        result.elapsed_ms,
    )


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


def _without_fragment(url: str) -> str:
    try:
        return urlunsplit(urlsplit(url)._replace(fragment=""))
    except ValueError:  # left for _check_url to report
        return url
