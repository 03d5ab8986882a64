"""Retries: backoff on 5xx and timeouts, Retry-After honoured (and capped), 429 runs block."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from scrapers.fetch_result import FetchResult, Outcome
from scrapers.http import PoliteClient, parse_retry_after
from scrapers.sources import FetchConfig
from tests.site import NosSite


def fetch(site: NosSite, path: str, config: FetchConfig) -> FetchResult:
    async def go() -> FetchResult:
        async with PoliteClient(config) as client:
            return await client.fetch(site.url(path), allowed_hosts=site.hosts)

    return asyncio.run(go())


def test_retry_after_is_honoured(site: NosSite) -> None:
    result = fetch(site, "/misbehave/429-once?after=1", site.fetch_config())
    assert result.outcome == Outcome.OK and result.attempts == 2
    assert result.retry_after_waits == (1.0,)
    first, second = site.requests(path="/misbehave/429-once")
    assert (first.status, second.status) == (429, 200)
    assert second.t - first.t >= 1.0


def test_a_503_is_retried_with_backoff(site: NosSite) -> None:
    result = fetch(site, "/misbehave/503-once", site.fetch_config(backoff_base_s=0.2))
    assert result.outcome == Outcome.OK and result.attempts == 2
    first, second = site.requests(path="/misbehave/503-once")
    assert second.t - first.t >= 0.1  # equal jitter: at least half the 0.2 s base


def test_a_run_of_429s_means_blocked(site: NosSite) -> None:
    result = fetch(site, "/misbehave/429-always?after=0", site.fetch_config(retries=2))
    assert result.outcome == Outcome.BLOCKED and result.blocked
    assert result.status_code == 429 and result.attempts == 3
    assert site.count("/misbehave/429-always") == 3


def test_a_retry_after_beyond_the_cap_ends_the_retries(site: NosSite) -> None:
    started = time.monotonic()
    result = fetch(site, "/misbehave/429-always?after=3600", site.fetch_config())
    assert time.monotonic() - started < 1.0
    assert result.outcome == Outcome.BLOCKED and "exceeds the cap" in (result.error or "")
    assert site.count("/misbehave/429-always") == 1


def test_403_is_blocked_without_retries(site: NosSite) -> None:
    result = fetch(site, "/misbehave/403", site.fetch_config())
    assert result.outcome == Outcome.BLOCKED and result.attempts == 1


def test_a_persistent_500_is_an_http_error_after_all_retries(site: NosSite) -> None:
    result = fetch(site, "/misbehave/500", site.fetch_config(retries=3))
    assert result.outcome == Outcome.HTTP_ERROR and result.status_code == 500
    assert site.count("/misbehave/500") == 4


def test_404_is_not_retried(site: NosSite) -> None:
    result = fetch(site, "/artikel/1-bestaat-niet", site.fetch_config())
    assert result.outcome == Outcome.HTTP_ERROR and result.status_code == 404
    assert site.count("/artikel/1-bestaat-niet") == 1


def test_a_slow_answer_times_out_after_retries(site: NosSite) -> None:
    config = site.fetch_config(timeout_s=0.3, retries=1)
    result = fetch(site, "/misbehave/slow?delay=1", config)
    assert result.outcome == Outcome.TIMEOUT and result.attempts == 2
    assert site.count("/misbehave/slow") == 2
    assert result.elapsed_ms < 2000


def test_a_dripping_body_hits_the_total_timeout(site: NosSite) -> None:
    result = fetch(site, "/misbehave/drip", site.fetch_config(timeout_s=0.5, retries=0))
    assert result.outcome == Outcome.TIMEOUT and result.elapsed_ms < 1500


def test_connection_refused_is_a_connect_error(unused_port: int) -> None:
    async def go() -> FetchResult:
        config = FetchConfig(retries=1, backoff_base_s=0.01, backoff_max_s=0.02)
        async with PoliteClient(config) as client:
            return await client.fetch(
                f"http://127.0.0.1:{unused_port}/nosnieuwsalgemeen", allowed_hosts=["127.0.0.1"]
            )

    result = asyncio.run(go())
    assert result.outcome == Outcome.CONNECT_ERROR
    assert "robots.txt unreachable" in (result.error or "")


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_retry_after_parsing() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 28 <= (parse_retry_after(later) or 0) <= 30
    earlier = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    assert parse_retry_after(earlier) == 0.0
