"""The thread-free worker pool: real worker processes answering over sockets, leased by event
loops (two at once, as parallel Prefect chunks do), replaced when they die or have served their
quota, killed when a cancelled lease leaves them with unanswered requests."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from pipeline import worker_pool
from pipeline.ingest_workers import page_parser
from pipeline.worker_pool import WorkerDied, lease_workers, shutdown_workers, worker_pids


def _no_warm_up() -> None:
    return None


def _echo(value: str, delay: float = 0.0) -> tuple[str, int]:
    """Runs in the worker: the value back, with the worker's pid."""
    time.sleep(delay)
    if value == "boom":
        raise ValueError("bad page")
    return value.upper(), os.getpid()


@pytest.fixture(autouse=True)
def fresh_pool() -> Iterator[None]:
    shutdown_workers()
    yield
    shutdown_workers()


def _call_all(values: list[str], workers: int = 1) -> list[tuple[str, int]]:
    async def main() -> list[tuple[str, int]]:
        async with lease_workers(workers, _echo, _no_warm_up) as lease:
            return list(await asyncio.gather(*(lease.call(v) for v in values)))

    return asyncio.run(main())


def test_answers_come_back_in_order_from_a_worker_process() -> None:
    answers = _call_all([f"page {n}" for n in range(40)], workers=2)
    assert [text for text, _ in answers] == [f"PAGE {n}" for n in range(40)]
    pids = {pid for _, pid in answers}
    assert len(pids) == 2 and os.getpid() not in pids
    assert sorted(worker_pids()) == sorted(pids)  # idle, kept for the next lease
    assert _call_all(["again"])[0][1] in pids  # reused, not restarted


def test_workers_run_at_a_lower_priority_than_the_loop_that_feeds_them() -> None:
    answers = _call_all(["page"], workers=1)
    worker = answers[0][1]
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    expected = min(19, ours + worker_pool.WORKER_NICENESS)
    assert os.getpriority(os.PRIO_PROCESS, worker) == expected


def test_two_event_loops_in_threads_lease_different_workers() -> None:
    results: dict[str, list[tuple[str, int]]] = {}

    def lane(name: str) -> None:
        results[name] = _call_all([f"{name}{n}" for n in range(20)] + ["slow"])

    threads = [threading.Thread(target=lane, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [t for t, _ in results["a"]][:3] == ["A0", "A1", "A2"]
    assert [t for t, _ in results["b"]][:3] == ["B0", "B1", "B2"]
    assert len(results["a"]) == len(results["b"]) == 21
    pids_a = {pid for _, pid in results["a"]}
    pids_b = {pid for _, pid in results["b"]}
    assert len(pids_a) == len(pids_b) == 1


def test_an_exception_in_the_worker_is_raised_in_the_caller() -> None:
    async def main() -> str:
        async with lease_workers(1, _echo, _no_warm_up) as lease:
            with pytest.raises(ValueError, match="bad page"):
                await lease.call("boom")
            text, _ = await lease.call("fine")  # the worker carries on
            return str(text)

    assert asyncio.run(main()) == "FINE"


def test_a_killed_worker_fails_its_pending_call_and_is_replaced() -> None:
    async def main() -> tuple[int, int]:
        async with lease_workers(1, _echo, _no_warm_up) as lease:
            _, first_pid = await lease.call("warm")
            pending = asyncio.ensure_future(lease.call("slow", 5.0))
            await asyncio.sleep(0.3)
            os.kill(first_pid, signal.SIGKILL)
            with pytest.raises(WorkerDied):
                await pending
            _, second_pid = await lease.call("after")
            return first_pid, second_pid

    first, second = asyncio.run(main())
    assert first != second
    assert worker_pids() == [second]


def test_a_worker_is_retired_after_its_quota(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker_pool, "PAGES_PER_WORKER", 5)
    first = {pid for _, pid in _call_all([str(n) for n in range(5)])}
    second = {pid for _, pid in _call_all(["next"])}
    assert len(first) == 1 and first.isdisjoint(second)
    assert worker_pids() == list(second)


def test_a_cancelled_lease_does_not_hand_a_worker_with_stale_answers_on() -> None:
    async def main() -> int:
        async with lease_workers(1, _echo, _no_warm_up) as lease:
            _, pid = await lease.call("warm")
            slow = asyncio.ensure_future(lease.call("stale", 0.5))
            await asyncio.sleep(0.1)
            slow.cancel()
        return pid

    stale_pid = asyncio.run(main())
    answers = _call_all(["fresh"])
    assert answers[0][0] == "FRESH"
    assert answers[0][1] != stale_pid
    assert stale_pid not in worker_pids()


def test_when_every_worker_is_leased_pages_are_parsed_in_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker_pool, "MAX_WORKERS", 1)

    async def main() -> tuple[int, int]:
        async with page_parser(1) as first, page_parser(1) as second:
            return first.processes, second.processes

    assert asyncio.run(main()) == (1, 0)


def test_a_short_batch_starts_no_worker_but_uses_an_idle_one() -> None:
    async def sizes() -> tuple[int, int, int]:
        async with page_parser(1, pages=5) as short:
            before = short.processes  # nothing idle, too few pages to start one
        async with page_parser(1, pages=50) as long:
            started = long.processes
        async with page_parser(1, pages=5) as short_again:
            reused = short_again.processes
        return before, started, reused

    assert asyncio.run(sizes()) == (0, 1, 1)
    assert len(worker_pids()) == 1


def test_callers_arriving_together_after_a_death_share_one_replacement() -> None:
    async def main() -> tuple[int, set[int]]:
        async with lease_workers(1, _echo, _no_warm_up) as lease:
            _, first_pid = await lease.call("warm")
            os.kill(first_pid, signal.SIGKILL)
            await asyncio.sleep(0.3)  # the death is noticed: the channel is broken
            answers = await asyncio.gather(*(lease.call(f"p{n}") for n in range(6)))
            return first_pid, {pid for _, pid in answers}

    first, pids = asyncio.run(main())
    assert len(pids) == 1 and first not in pids
    assert worker_pids() == list(pids)
