"""Stop a child process once its parent is gone, however the parent ended (kill -9 included).

``python -m cli.watchdog PARENT_PID CHILD_PID`` polls the parent and, when it has exited,
terminates the child (then kills it if it lingers). ``newsmon backfill`` and ``newsmon run``
start one for Prefect's temporary API server, which would otherwise outlive a killed CLI.
Imports nothing of newsmon, so it starts in a blink and holds no database connection.
"""

from __future__ import annotations

import sys
import time

import psutil

POLL_S = 0.5
GRACE_S = 5.0


def same_process(pid: int, created: float) -> psutil.Process | None:
    """The process ``pid`` if it is still the one created at ``created`` (pids are reused)."""
    try:
        process = psutil.Process(pid)
        return process if abs(process.create_time() - created) < 0.01 else None
    except psutil.NoSuchProcess:
        return None


def watch(parent_pid: int, child_pid: int) -> None:
    """Block until the parent exits, then stop the child if it still runs."""
    try:
        parent = psutil.Process(parent_pid)
        child_created = psutil.Process(child_pid).create_time()
    except psutil.NoSuchProcess:
        return
    while parent.is_running() and parent.status() != psutil.STATUS_ZOMBIE:
        if same_process(child_pid, child_created) is None:
            return  # the child ended first (the parent stopped it): nothing to do
        time.sleep(POLL_S)
    child = same_process(child_pid, child_created)
    if child is None:
        return
    child.terminate()
    _, alive = psutil.wait_procs([child], timeout=GRACE_S)
    for process in alive:
        process.kill()


if __name__ == "__main__":
    watch(int(sys.argv[1]), int(sys.argv[2]))
