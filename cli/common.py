"""What every CLI command needs: settings, a migrated engine, a console, clean exits."""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from types import FrameType

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from sqlalchemy import Engine

from composition.runtime import prefect_env_defaults
from composition.settings import Settings, get_settings
from storage.db import make_engine
from storage.masking import MaskingFilter
from storage.migrate import is_migrated

console = Console()
err_console = Console(stderr=True)


def configure_logging(verbosity: int = 0) -> None:
    """Readable logs on stderr: warnings and errors by default (the commands print their own
    summaries), every fetch with ``-v``, debug detail and third-party chatter with ``-vv``."""
    prefect_env_defaults()
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = RichHandler(console=err_console, show_path=False, rich_tracebacks=verbosity > 1)
    if verbosity == 0:
        handler.addFilter(ConciseErrors())
    handler.addFilter(MaskingFilter())  # no URL's password or token reaches the log
    logging.basicConfig(
        level=level, format="%(message)s", datefmt="[%X]", handlers=[handler], force=True
    )
    for noisy in ("httpx", "httpcore", "alembic", "trafilatura", "htmldate", "courlan"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbosity > 1 else logging.WARNING)


class ConciseErrors(logging.Filter):
    """Default verbosity: an error is one short line (its exception's type and first line, not
    the traceback), and after :attr:`SHOWN` errors one line says the rest are hidden, so a
    database lost mid-run is a few lines, not a traceback per source (``-v`` shows all)."""

    SHOWN = 3
    WIDTH = 140  # characters of an exception's first line

    def __init__(self) -> None:
        super().__init__()
        self._errors = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR:
            return True
        self._errors += 1
        if self._errors > self.SHOWN + 1:
            return False
        if self._errors == self.SHOWN + 1:
            record.msg, record.args = "… further errors hidden (-v shows them)", None
            record.exc_info = record.exc_text = None
            return True
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            first = (str(exc).strip().splitlines() or [""])[0]
            if len(first) > self.WIDTH:
                first = first[: self.WIDTH] + "…"
            record.msg, record.args = f"{record.getMessage()}: {type(exc).__name__}: {first}", None
            record.exc_info = record.exc_text = None
        return True


def log_service_progress() -> None:
    """Long-running commands (serve, schedule) log newsmon's own INFO messages by default:
    an operator watching them wants to see runs start, finish and stop."""
    for name in ("flows", "scrapers", "storage", "digests", "processing"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)


# Exit codes of ingest, run and backfill (cron and operators read them; README lists them).
EXIT_OK = 0  # every source succeeded or had nothing new
EXIT_SOME_FAILED = 1  # some sources (or days) failed, the others were stored
EXIT_NOTHING_RAN = 2  # all failed, or nothing could run (bad config, no database, no source)


def outcome_exit_code(statuses: Iterable[str]) -> int:
    """0 when every status is ``ok``, 2 when none is (or there is none), else 1."""
    statuses = list(statuses)
    bad = sum(1 for status in statuses if status != "ok")
    if not statuses or bad == len(statuses):
        return EXIT_NOTHING_RAN
    return EXIT_SOME_FAILED if bad else EXIT_OK


def interrupted_exit(signum: int, run_id: int | None, status: str = "interrupted") -> typer.Exit:
    """One line saying the run stopped on ``signum`` and how it is recorded (``status``: a
    signal while the run was being recorded finds it complete); exit 128 + signum (130 / 143)."""
    name = signal.Signals(signum).name
    err_console.print(
        f"interrupted by {name}: ingest run {run_id} recorded as {status} "
        "(what was stored is kept; the next run goes on)",
        highlight=False,
        soft_wrap=True,
    )
    return typer.Exit(128 + signum)


@contextmanager
def signals_unwind() -> Iterator[list[int]]:
    """SIGTERM (and SIGINT) raise ``KeyboardInterrupt`` in the main thread, so the process
    unwinds and its exit hooks run: Prefect stops the temporary API server it started
    (killed outright by SIGTERM, that child server would live on). The list notes the signal."""
    received: list[int] = []

    def unwind(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, unwind) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a clear error and return the Exit to raise: one line, never wrapped (a path in it
    stays one piece to copy), the message shown as written (no markup read into it)."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def open_engine(settings: Settings | None = None) -> Iterator[Engine]:
    """An engine for the configured database, refusing to run on an unmigrated one."""
    settings = settings or get_settings()
    url = settings.resolved_database_url
    if not is_migrated(url):
        raise fail(
            "the database has no schema yet: run `newsmon db upgrade` first", EXIT_NOTHING_RAN
        )
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def iso_utc(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a trailing Z, or None."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")
