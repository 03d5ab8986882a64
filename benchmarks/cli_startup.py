"""Start-up time of a read command: ``newsmon articles --limit 1`` against a bare
``python -c "import sqlalchemy, typer"`` (goal: at most 2.5 times as long).

Both run as fresh processes on a migrated empty SQLite database in a temporary folder; each
time is the best of ``--repeat`` runs (the machine's speed wanders). Prints ONE JSON line.
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


def best_of(command: list[str], repeat: int, env: dict[str, str], cwd: str) -> float:
    """The shortest wall time of ``repeat`` runs of ``command`` (each must succeed)."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - began)
    return min(times)


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
        bare = best_of([sys.executable, "-c", "import sqlalchemy, typer"], args.repeat, env, tmp)
        read = best_of([newsmon, "articles", "--limit", "1"], args.repeat, env, tmp)
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
