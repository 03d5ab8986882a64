"""The database pacer: chosen by NEWSMON_PACER, and it spaces request starts across processes."""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import time
from typing import Any

import pytest
from sqlalchemy import Engine

from composition.settings import Settings
from pipeline.pacing_db import DatabasePacer, make_pacer, pacer_kind, process_pacer
from scrapers.pacing import InProcessPacer
from storage.db import make_engine

INTERVAL = 0.2
# Sleeping overshoots a little and differently per process; a start never comes this much early.
TOLERANCE = 0.03


def test_auto_means_database_on_postgresql_and_memory_on_sqlite(engine: Engine) -> None:
    expected = "database" if engine.dialect.name == "postgresql" else "memory"
    assert pacer_kind("auto", engine) == expected
    assert pacer_kind("memory", engine) == "memory"
    assert pacer_kind("database", engine) == "database"


def test_the_setting_picks_the_pacer(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(make_pacer(sqlite_engine, "auto"), InProcessPacer)
    assert isinstance(make_pacer(sqlite_engine, "database"), DatabasePacer)
    monkeypatch.setenv("NEWSMON_PACER", "database")
    assert isinstance(make_pacer(sqlite_engine, Settings().pacer), DatabasePacer)
    shared = process_pacer(sqlite_engine, "database")
    assert process_pacer(sqlite_engine, "database") is shared


def test_an_unknown_pacer_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSMON_PACER", "redis")
    with pytest.raises(ValueError, match="pacer"):
        Settings()


async def _turns(pacer: DatabasePacer, n: int) -> list[float]:
    starts = []
    for _ in range(n):
        await pacer.wait_turn("nos.nl", INTERVAL)
        starts.append(time.time())
    return starts


def _run_pacer(url: str, n: int, label: str, barrier: Any, results: Any) -> None:
    """Child process: once both are ready, take ``n`` turns for one host; report the starts."""
    eng = make_engine(url)
    try:
        barrier.wait(timeout=60)
        results.put([(start, label) for start in asyncio.run(_turns(DatabasePacer(eng), n))])
    finally:
        eng.dispose()


@pytest.mark.slow
def test_two_processes_take_turns(database_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [
        context.Process(target=_run_pacer, args=(database_url, 5, label, barrier, results))
        for label in "ab"
    ]
    for worker in workers:
        worker.start()
    try:
        turns = sorted(results.get(timeout=120) + results.get(timeout=120))
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()

    gaps = [later[0] - earlier[0] for earlier, later in itertools.pairwise(turns)]
    assert len(turns) == 10
    assert min(gaps) >= INTERVAL - TOLERANCE
    # Both really ran at once: their turns interleave instead of one after the other.
    labels = "".join(label for _start, label in turns)
    assert labels not in ("aaaaabbbbb", "bbbbbaaaaa")
