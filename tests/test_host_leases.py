"""Host leases: reserved slots per host are an interval apart across processes, on both backends."""

from __future__ import annotations

import itertools
import multiprocessing
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from storage.db import make_engine
from storage.leases import lease_of, reserve_slot

INTERVAL = 0.05


def test_first_slot_is_now_and_the_next_ones_queue(engine: Engine) -> None:
    first = reserve_slot(engine, "nos.nl", 1.0, holder="a")
    second = reserve_slot(engine, "nos.nl", 1.0, holder="b")
    third = reserve_slot(engine, "nos.nl", 1.0, holder="c")

    assert first.wait_s < 0.5
    assert second.start - first.start == timedelta(seconds=1)
    assert third.start - second.start == timedelta(seconds=1)
    assert 1.0 < third.wait_s <= 2.0
    lease = lease_of(engine, "nos.nl")
    assert lease is not None
    assert lease == (third.start + timedelta(seconds=1), "c")


def test_only_now_takes_a_free_slot_and_otherwise_reserves_nothing(engine: Engine) -> None:
    first = reserve_slot(engine, "nos.nl", 1.0, holder="a", only_now=True)
    assert first.wait_s < 0.5
    busy = reserve_slot(engine, "nos.nl", 1.0, holder="b", only_now=True)
    # Not free yet: the wait until it is, and the lease still belongs to the first taker.
    assert 0.5 < busy.wait_s <= 1.0
    assert busy.start == first.start + timedelta(seconds=1)
    assert lease_of(engine, "nos.nl") == (first.start + timedelta(seconds=1), "a")


def test_hosts_do_not_wait_for_each_other(engine: Engine) -> None:
    reserve_slot(engine, "nos.nl", 5.0)
    other = reserve_slot(engine, "feeds.nos.nl", 5.0)
    assert other.wait_s < 1.0
    assert lease_of(engine, "example.org") is None


def test_an_expired_lease_does_not_delay(engine: Engine) -> None:
    reserve_slot(engine, "nos.nl", 0.0)
    slot = reserve_slot(engine, "nos.nl", 0.0)
    assert slot.wait_s == 0.0


def test_negative_interval_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="min_interval_s"):
        reserve_slot(engine, "nos.nl", -1.0)


def _reserve_many(url: str, n: int) -> list[datetime]:
    """Run in a child process: reserve ``n`` slots and return their starts."""
    eng = make_engine(url)
    try:
        return [reserve_slot(eng, "nos.nl", INTERVAL).start for _ in range(n)]
    finally:
        eng.dispose()


@pytest.mark.slow
def test_slots_from_concurrent_processes_never_overlap(database_url: str) -> None:
    """Four processes race for one host: every pair of slots is at least the interval apart."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        results = pool.starmap(_reserve_many, [(database_url, 15)] * 4, chunksize=1)

    starts = sorted(start for result in results for start in result)
    assert len(starts) == 60
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert min(gaps) >= timedelta(seconds=INTERVAL)
