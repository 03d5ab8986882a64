"""Start-up time of a read command: ``newsmon articles --limit 1`` against a bare
``python -c "import sqlalchemy, typer"`` (goal: at most 2.5 times as long).

Both run as fresh processes on a migrated empty SQLite database in a temporary folder, in
alternation; each time is the best of ``--repeat`` runs (the machine's speed wanders).
Prints ONE JSON line.
Usage: ``.venv/bin/python benchmarks/cli_startup.py [--repeat 7]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def wall_time(command: list[str], env: dict[str, str], cwd: str) -> float:
    """Wall seconds of one run of ``command`` (it must succeed)."""
    began = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - began


def best_of_alternating(
    first: list[str], second: list[str], repeat: int, env: dict[str, str], cwd: str
) -> tuple[float, float]:
    """The shortest wall time of each command over ``repeat`` rounds that run both, one after
    the other, so a machine whose speed drifts slows both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        times[0].append(wall_time(first, env, cwd))
        times[1].append(wall_time(second, env, cwd))
    return min(times[0]), min(times[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "NEWSMON_DATA_DIR": tmp, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        newsmon = str(BIN / "newsmon")
        subprocess.run(
            [newsmon, "db", "upgrade"], env=env, cwd=tmp, check=True, capture_output=True
        )
        bare, read = best_of_alternating(
            [sys.executable, "-c", "import sqlalchemy, typer"],
            [newsmon, "articles", "--limit", "1"],
            args.repeat,
            env,
            tmp,
        )
    print(
        json.dumps(
            {
                "benchmark": "cli_startup",
                "repeat": args.repeat,
                "bare_import_s": round(bare, 3),
                "articles_limit_1_s": round(read, 3),
                "ratio": round(read / bare, 2),
                "ratio_goal": 2.5,
            }
        )
    )


if __name__ == "__main__":
    main()
