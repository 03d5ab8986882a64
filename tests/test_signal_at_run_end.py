"""A signal at the end of a run: after every source finished, the run is still recorded
``interrupted`` (it did not go on to publish); while the run is being recorded, the record
commits whole and the signal is reported after it, on both backends."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from sqlalchemy import Engine, select

from benchmarks.dead_sources import refused_port, write_sources
from pipeline.ingest import IngestContext, run_ingest
from pipeline.ingest import run as run_stage
from scrapers.sources import load_sources_file
from storage.db import session_scope
from storage.models import IngestRun, IngestRunSource

SOURCES = 5


class Unwound(Exception):
    """What the test's own SIGTERM handler raises (the CLI's raises KeyboardInterrupt)."""


@contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """SIGTERM raises :class:`Unwound` in the main thread while inside, as the CLI's does."""

    def unwind(_signum: int, _frame: FrameType | None) -> None:
        raise Unwound

    previous = signal.signal(signal.SIGTERM, unwind)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def context(engine: Engine, tmp_path: Path) -> IngestContext:
    write_sources(tmp_path / "sources.toml", SOURCES, refused_port())
    return IngestContext(engine, load_sources_file(tmp_path / "sources.toml"))


def recorded(engine: Engine, run_id: int | None) -> tuple[str, set[str]]:
    with session_scope(engine) as session:
        run = session.get(IngestRun, run_id)
        assert run is not None
        rows = session.scalars(select(IngestRunSource).where(IngestRunSource.run_id == run_id))
        return run.status, {row.status for row in rows}


def test_a_signal_after_the_last_source_finished_records_the_run_interrupted(
    engine: Engine, tmp_path: Path
) -> None:
    done: list[str] = []

    def progress(event: str, **data: Any) -> None:
        if event == "source_done":
            done.append(data["source"])
            if len(done) == SOURCES:  # every source finished; the loop has not ended yet
                os.kill(os.getpid(), signal.SIGTERM)

    with sigterm_unwinds():
        report = run_ingest(context(engine, tmp_path), progress=progress, stop_on_signals=True)
    assert report.signal == signal.SIGTERM
    assert report.status == "interrupted"
    # The run stopped, but each source had its answer: their rows keep it.
    assert recorded(engine, report.run_id) == ("interrupted", {"unreachable"})


def test_a_signal_while_the_run_is_recorded_waits_for_the_record_to_commit(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = run_stage.record_run

    def signalled_first(*args: Any, **kwargs: Any) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # arrives while the record is being written
        real(*args, **kwargs)

    monkeypatch.setattr(run_stage, "record_run", signalled_first)
    with sigterm_unwinds():
        report = run_ingest(context(engine, tmp_path), stop_on_signals=True)
    assert report.signal == signal.SIGTERM
    assert report.status == "failed"  # complete: every source answered (refused)
    assert recorded(engine, report.run_id) == ("failed", {"unreachable"})
