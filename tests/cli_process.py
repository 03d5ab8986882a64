"""Run ``newsmon`` as an operator does: a separate process, configured by NEWSMON_* variables."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.site import NosSite

FAST_FETCH = """
[fetch]
min_interval_s = 0.01
timeout_s = 2
retries = 0
backoff_base_s = 0.05
backoff_max_s = 0.1
"""


def write_sources(path: Path, site: NosSite, feeds: dict[str, str]) -> Path:
    """A sources.toml with one RSS source per ``name -> site path`` on the local site."""
    parts = [FAST_FETCH]
    for name, feed_path in feeds.items():
        parts.append(
            f'[[sources]]\nname = "{name}"\nkind = "rss"\nurl = "{site.url(feed_path)}"\n'
            f'allowed_hosts = ["127.0.0.1"]\n'
        )
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def cli_env(database_url: str, sources_file: Path, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``newsmon`` process on ``database_url`` with ``sources_file``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env.update(
        NEWSMON_DATABASE_URL=database_url,
        NEWSMON_SOURCES_FILE=str(sources_file),
        NEWSMON_DATA_DIR=str(data_dir),
        NEWSMON_SEEDS_DIR=str(REPO_ROOT / "seeds"),
        NEWSMON_TOPICS_FILE=str(REPO_ROOT / "config" / "topics.toml"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        COLUMNS="200",
    )
    env.update(extra)
    return env


def newsmon_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli.main", *args]


def start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """``newsmon ARGS`` started in the background (stdout and stderr captured)."""
    return subprocess.Popen(
        newsmon_cmd(*args),
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``newsmon ARGS`` to completion."""
    return subprocess.run(
        newsmon_cmd(*args),
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def invoke(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``newsmon ARGS`` in this process through typer's ``CliRunner``, answered like :func:`run`.

    For exit codes and error lines that need no real process (a process pays ~2 s of imports):
    the ``NEWSMON_*`` variables (and ``COLUMNS``) of ``env`` are set for the call and settings
    are read afresh.
    An exception that escapes the command is raised here, as the traceback a process would
    print would be, so "one clear line, no traceback" stays a real assertion.
    """
    from cli.settings import get_settings
    from typer.testing import CliRunner

    from cli.main import app

    newsmon_env = {k: v for k, v in env.items() if k.startswith("NEWSMON_") or k == "COLUMNS"}
    newsmon_env.setdefault("COLUMNS", "200")  # as wide as the processes of :func:`cli_env`
    get_settings.cache_clear()
    try:
        with contextlib.chdir(REPO_ROOT):  # where :func:`run` starts its processes
            result = CliRunner().invoke(app, list(args), env=newsmon_env)
    finally:
        get_settings.cache_clear()
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(
        newsmon_cmd(*args), result.exit_code, result.stdout, result.stderr
    )
