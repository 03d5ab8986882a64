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
import random
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from scrapers.fetch_result import FetchResult, decode_body
from scrapers.http_rules import (
    CONTENT_TYPES,
    PERMANENT_REDIRECTS,
    REDIRECTS,
    RETRY_STATUSES,
    Exchange,
    Expect,
    check_url,
    parse_retry_after,
    read_body,
    without_fragment,
)
from scrapers.outcomes import NOT_REQUESTED_OUTCOMES, Outcome
from scrapers.pacing import HostPacer, InProcessPacer, RequestGate
from scrapers.robots import ROBOTS_MAX_BYTES, RobotsCache, RobotsPolicy
from scrapers.sources import FetchConfig, normalize_host

__all__ = [
    "CONTENT_TYPES",
    "Expect",
    "FetchResult",
    "Outcome",
    "PoliteClient",
    "decode_body",
    "parse_retry_after",
]

logger = logging.getLogger(__name__)


@dataclass
class _Tally:
    """What one call of :meth:`PoliteClient.fetch` spent, across hops and retries."""

    attempts: int = 0
    waits: list[float] = field(default_factory=list)
    redirects: list[str] = field(default_factory=list)
    moved_to: str | None = None  # the end of the leading run of permanent redirects
    only_permanent: bool = True  # no temporary redirect so far
    run_of_429: int = 0
    retry_after_too_long: float | None = None  # the refused Retry-After, seconds


class PoliteClient:
    """Async, polite fetching; use as ``async with PoliteClient(config) as client``.

    ``pacer`` spaces request starts per host (default: in this process only; pass one shared
    across processes to pace them together). ``transport`` replaces the network (tests).
    """

    def __init__(
        self,
        config: FetchConfig | None = None,
        *,
        pacer: HostPacer | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config or FetchConfig()
        self._gate = RequestGate(pacer or InProcessPacer(), self.config.max_concurrency)
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
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
            truncate=True,
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
        truncate: bool = False,
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

        def done(outcome: Outcome, current: str, error: str | None, resp: Exchange) -> FetchResult:
            result = _result(
                url, current, outcome, error, resp, tally, started, etag, last_modified
            )
            _log(result)
            return result

        current, seen = url, {without_fragment(url)}
        for _hop in range(self.config.max_redirects + 1):
            refusal = check_url(current, hosts, redirected=bool(tally.redirects))
            if refusal is not None:
                return done(refusal[0], current, refusal[1], Exchange())
            interval = min_interval_s
            if obey_robots:
                policy = await self._robots.policy_for(current)
                if policy.state == "unreachable":
                    outcome = Outcome(policy.unreachable_outcome or Outcome.CONNECT_ERROR)
                    return done(outcome, current, policy.note, Exchange())
                if not policy.allows(current):
                    reason = policy.note or "disallowed by robots.txt"
                    return done(Outcome.ROBOTS_DISALLOWED, current, reason, Exchange())
                interval = max(interval, policy.crawl_delay_s or 0.0)
            resp = await self._get(current, headers, wanted, interval, max_bytes, tally, truncate)
            if resp.failure is not None:
                return done(resp.failure, current, resp.error, resp)
            assert resp.status is not None
            if resp.status in REDIRECTS:
                location = resp.headers.get("location", "").strip()
                if not location:
                    return done(Outcome.HTTP_ERROR, current, "redirect without Location", resp)
                try:
                    target = without_fragment(urljoin(current, location))
                except ValueError:
                    return done(Outcome.REDIRECT_ERROR, current, f"bad Location {location!r}", resp)
                if target in seen:
                    return done(Outcome.REDIRECT_ERROR, current, f"redirect loop at {target}", resp)
                seen.add(target)
                tally.redirects.append(target)
                tally.only_permanent &= resp.status in PERMANENT_REDIRECTS
                if tally.only_permanent:
                    tally.moved_to = target
                current = target
                continue
            outcome, error = _classify(resp.status, tally)
            return done(outcome, current, error, resp)
        error = f"more than {self.config.max_redirects} redirects"
        return done(Outcome.REDIRECT_ERROR, current, error, Exchange())

    async def _get(
        self,
        url: str,
        headers: dict[str, str],
        wanted: tuple[str, ...],
        interval: float,
        max_bytes: int,
        tally: _Tally,
        truncate: bool = False,
    ) -> Exchange:
        """One URL with retries on connect errors, timeouts, 429 and 5xx."""
        host = normalize_host(urlsplit(url).hostname or "")
        tally.run_of_429 = 0
        for attempt in range(self.config.retries + 1):
            tally.attempts += 1
            resp = await self._attempt(url, host, headers, wanted, interval, max_bytes, truncate)
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
                    self._gate.pause(host, wait)
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
        truncate: bool = False,
    ) -> Exchange:
        """One request: start it when pacing allows, read the body under the caps."""
        client = self._client()
        async with self._gate.permit(host, interval):
            try:
                async with asyncio.timeout(self.config.timeout_s):
                    gate = {"trace": self._gate.send_hook(host, interval)}
                    async with client.stream(
                        "GET", url, headers=headers, extensions=gate
                    ) as response:
                        return await read_body(response, wanted, max_bytes, truncate=truncate)
            except (TimeoutError, httpx.TimeoutException) as exc:
                limit = self.config.timeout_s
                return Exchange(
                    failure=Outcome.TIMEOUT, error=f"no answer within {limit} s: {exc!r}"
                )
            except httpx.TransportError as exc:
                return Exchange(failure=Outcome.CONNECT_ERROR, error=f"{type(exc).__name__}: {exc}")
            except httpx.DecodingError as exc:
                return Exchange(failure=Outcome.HTTP_ERROR, error=f"undecodable body: {exc}")
            except httpx.InvalidURL as exc:
                return Exchange(failure=Outcome.BAD_SCHEME, error=f"invalid URL: {exc}")

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            n = self.config.max_concurrency
            # httpx's own transport: HTTP_PROXY / HTTPS_PROXY / ALL_PROXY and NO_PROXY from
            # the environment are honoured (trust_env), as operators behind a proxy expect.
            self._http = httpx.AsyncClient(
                follow_redirects=False,
                timeout=httpx.Timeout(self.config.timeout_s),
                headers={"User-Agent": self.config.user_agent},
                limits=httpx.Limits(max_connections=n, max_keepalive_connections=n),
                http2=self.config.http2,
                transport=self._transport,
                trust_env=True,
            )
        return self._http


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
    resp: Exchange,
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
        moved_to=tally.moved_to,
        # A refusal after a redirect (a consent host, robots) followed a real request.
        requested=outcome not in NOT_REQUESTED_OUTCOMES or bool(tally.redirects),
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
