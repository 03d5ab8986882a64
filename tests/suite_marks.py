"""The four test sets (``slow``, ``postgres``, ``realdata``, ``browser``), applied so that they
cannot be forgotten.

``make test`` deselects the slow and browser sets; a test that belongs to one of them but is not
marked would quietly make the default run slow, or break it in a clone without
``../shared/realdata``. So the marks are applied from what a test uses where pytest can see it
(fixtures and parameters), and checked while it runs where pytest cannot: a test that starts a
process without ``slow``, reads ``../shared/realdata`` without ``realdata`` or creates a
PostgreSQL database without ``postgres`` fails, naming the mark it lacks. The checks use
Python's audit hooks (:func:`sys.addaudithook`), which see every ``subprocess.Popen`` and
``open`` in the process, and the CPU time of reaped child processes
(:func:`resource.getrusage`), which also shows ``multiprocessing`` workers.
"""

from __future__ import annotations

import os
import resource
import sys
import traceback
from collections.abc import Iterator
from typing import Any

import pytest

from tests.realdata import REALDATA_DIR

#: Fixtures that start a process or a server: a test using one of them is ``slow``.
SLOW_FIXTURES = frozenset({"prefect_harness", "prefect_server", "served_newsmon"})
#: Parameter values that put a test on PostgreSQL (``database_url``'s and tests' own ``backend``).
POSTGRES_PARAMS = frozenset({"postgresql"})

_REALDATA_PREFIXES = tuple({str(REALDATA_DIR) + os.sep, os.path.realpath(REALDATA_DIR) + os.sep})
#: The marks of the test running now (None between tests), and what it did without its mark.
_running: set[str] | None = None
_missing: dict[str, str] = {}
_children_cpu_at_start = 0.0
_import_probe = False  # a process started by an import, not by the test (see _importing)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def require_mark(mark: str, what: str) -> None:
    """Record that the running test did ``what``, which needs ``mark`` it does not carry."""
    if _running is not None and mark not in _running and mark not in _missing:
        _missing[mark] = what


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _running is None:
        return
    if event == "subprocess.Popen":
        if _importing():
            global _import_probe
            _import_probe = True
            return
        command = args[1] if isinstance(args[1], str) else " ".join(map(str, args[1]))
        require_mark("slow", f"started a process ({command[:120]})")
    elif event == "open":
        path = os.fspath(args[0]) if isinstance(args[0], os.PathLike) else args[0]
        if isinstance(path, str) and path.startswith(_REALDATA_PREFIXES):
            require_mark("realdata", f"read {path}")


sys.addaudithook(_audit)


def _importing() -> bool:
    """Whether a module is being imported: a library's import-time probe (croniter, vendored by
    Prefect, runs ``file`` through ``platform.architecture()``) is not the test's process."""
    stack = traceback.extract_stack()
    return any(frame.filename.startswith("<frozen importlib") for frame in stack)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what the fixtures and parameters show: servers and processes, the PostgreSQL leg."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and POSTGRES_PARAMS & {
            value for value in callspec.params.values() if isinstance(value, str)
        }:
            item.add_marker(pytest.mark.postgres)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    global _running, _children_cpu_at_start, _import_probe
    _running = {mark.name for mark in item.iter_markers()}
    _missing.clear()
    _import_probe = False
    _children_cpu_at_start = _children_cpu()
    try:
        return (yield)
    finally:
        _running = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    """A test that passed but did what its marks do not allow fails, saying which mark to add."""
    report = yield
    if call.when == "call" and not _import_probe and _children_cpu() > _children_cpu_at_start:
        require_mark("slow", "ran a child process")
    if call.when == "call" and report.passed and _missing:
        report.outcome = "failed"
        report.longrepr = "\n".join(
            f"{item.nodeid} {what}: mark it @pytest.mark.{mark} (tests/suite_marks.py)"
            for mark, what in sorted(_missing.items())
        )
    return report
