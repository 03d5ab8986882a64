"""``newsmon demo``: the whole job with content, offline, in a data folder of its own.

The world it polls is the local NOS-like site of the test suite (``tests/site/``), so the demo
runs from a source checkout: the site is test scaffolding and is not shipped in the package.
It is started as a child process (``python -m tests.site.demo_world``), never imported, and
stopped when the demo ends. ``newsmon run`` then runs against it with its own data folder, so
the demo's articles never mix with the real ones.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import typer

from cli.common import EXIT_NOTHING_RAN, console, fail

CHECKOUT = Path(__file__).resolve().parent.parent
WORLD_MODULE = "tests.site.demo_world"
WORLD_FILE = CHECKOUT / "tests" / "site" / "demo_world.py"
START_TIMEOUT_S = 30.0


def demo(
    folder: Path = typer.Option(
        Path("data-demo"), "--dir", help="The demo's data folder (database, digests, feeds)."
    ),
) -> None:
    """Serve the local NOS-like site and run the main job on it into a separate data folder.

    The first digest has stories, a near-duplicate, a paywall teaser, a breaking alert and
    one failing source (on purpose). Needs a source checkout (tests/site/), no network.
    """
    if not WORLD_FILE.is_file():
        raise fail(
            f"newsmon demo runs from a source checkout: {WORLD_FILE} not found "
            "(the local site is test scaffolding, not part of the installed package)",
            EXIT_NOTHING_RAN,
        )
    folder = folder.resolve()
    world = subprocess.Popen(
        [sys.executable, "-m", WORLD_MODULE, str(folder)],
        cwd=CHECKOUT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ready = _ready_line(world)
        env = demo_environment(folder, ready)
        console.print(f"demo: local site at {ready['site']}, data folder {folder}")
        cli = [sys.executable, "-m", "cli.main"]
        subprocess.run([*cli, "db", "upgrade"], env=env, check=True, cwd=CHECKOUT)
        code = subprocess.run([*cli, "run"], env=env, cwd=CHECKOUT).returncode
    finally:
        world.terminate()
        world.wait(timeout=10)
    if code not in (0, 1):  # 1: the broken source failed, as intended
        raise typer.Exit(code)
    print_demo_steps(folder)


def _ready_line(world: subprocess.Popen[str]) -> dict[str, Any]:
    """The world's JSON line (it is printed once everything listens)."""
    assert world.stdout is not None
    line = world.stdout.readline()
    if not line:
        world.wait(timeout=START_TIMEOUT_S)
        raise fail(f"the demo site did not start (exit {world.returncode})", EXIT_NOTHING_RAN)
    return dict(json.loads(line))


def demo_environment(folder: Path, ready: dict[str, Any]) -> dict[str, str]:
    """The settings of a demo run: its own folder, sources and alerts; SQLite under it."""
    env = {k: v for k, v in os.environ.items() if k != "NEWSMON_DATABASE_URL"}
    env.update(
        NEWSMON_DATA_DIR=str(folder),
        NEWSMON_SOURCES_FILE=ready["sources_file"],
        NEWSMON_ALERTS_FILE=ready["alerts_file"],
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    return env


def print_demo_steps(folder: Path) -> None:
    """Where to look next (the demo's digest, then its data through the CLI)."""
    digests = sorted((folder / "digests").glob("*.html"))
    newest = digests[-1] if digests else folder / "digests"
    newsmon = Path(sys.executable).parent / "newsmon"
    with contextlib.suppress(ValueError):  # shorter when run from the checkout
        newsmon = newsmon.relative_to(Path.cwd())
    console.print(
        "\n[bold]Next:[/]\n"
        f"  open the digest:   {newest.as_uri() if digests else newest}\n"
        f"  look around:       NEWSMON_DATA_DIR={folder} {newsmon} stories\n"
        f"                     NEWSMON_DATA_DIR={folder} {newsmon} alerts\n"
        '  add a real source: README "Adding a source" (`newsmon sources check NAME`, '
        "then enabled = true)",
        highlight=False,
        soft_wrap=True,
    )
