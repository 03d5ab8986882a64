"""The test sets' marks cannot be forgotten: what a test uses marks it, and a test that starts a
process or reads the real data without its mark fails, naming the mark (``tests/suite_marks``).

Each check runs a small pytest session of its own, in a real process, with the plugin loaded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow  # runs pytest in a subprocess

INNER_TESTS = """
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest


def page() -> str:
    return (Path(os.environ["NEWSMON_REALDATA"]) / "page.html").read_text()


def test_process_unmarked():
    subprocess.run([sys.executable, "-c", "pass"], check=True)


@pytest.mark.slow
def test_process_marked():
    subprocess.run([sys.executable, "-c", "pass"], check=True)


def test_worker_unmarked():
    worker = multiprocessing.get_context("spawn").Process(target=print)
    worker.start()
    worker.join()


def test_realdata_unmarked():
    assert page() == "<p>echt</p>"


@pytest.mark.realdata
def test_realdata_marked():
    assert page() == "<p>echt</p>"


def test_plain():
    assert "nothing" != "marked"


@pytest.fixture
def prefect_server():
    return "http://127.0.0.1:1/api"


def test_server(prefect_server):
    assert prefect_server


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"])
def test_backends(database_url):
    assert database_url
"""


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    realdata = tmp_path / "realdata"
    realdata.mkdir()
    (realdata / "page.html").write_text("<p>echt</p>", encoding="utf-8")
    monkeypatch.setenv("NEWSMON_REALDATA", str(realdata))
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    pytester.makepyfile(test_inner=INNER_TESTS)


@pytest.mark.usefixtures("inner")
def test_an_unmarked_process_worker_or_real_data_read_fails_naming_the_mark(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_subprocess("-p", "tests.suite_marks", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=6, failed=3)
    result.stdout.fnmatch_lines_random(
        [
            "*test_process_unmarked started a process (*: mark it @pytest.mark.slow *",
            "*test_worker_unmarked ran a child process: mark it @pytest.mark.slow *",
            "*test_realdata_unmarked read *page.html: mark it @pytest.mark.realdata *",
        ]
    )


@pytest.mark.usefixtures("inner")
def test_fixtures_and_parameters_mark_the_slow_and_postgres_tests(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_subprocess(
        "-p", "tests.suite_marks", "-p", "no:cacheprovider", "--collect-only", "-q",
        "-m", "slow or postgres",
    )  # fmt: skip
    listed = sorted(line for line in result.stdout.lines if line.startswith("test_inner.py::"))
    assert listed == [
        "test_inner.py::test_backends[postgresql]",
        "test_inner.py::test_process_marked",
        "test_inner.py::test_server",
    ]
