"""Prefect's temporary API server, started up front with a watchdog so it dies with the CLI.

Without ``PREFECT_API_URL`` a flow run starts Prefect's ephemeral API in a child process and
stops it at interpreter exit. A CLI killed by SIGKILL never reaches that exit hook, and the
server lived on. Starting the same (per-process singleton) server here lets a small watchdog
process (``cli.watchdog``) stop it once this process is gone, however it ended.
"""

from __future__ import annotations

import os
import subprocess
import sys


def guard_ephemeral_server() -> None:
    """Start the temporary API server now, watched, when the flows would start one anyway."""
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return
    server = SubprocessASGIServer()
    server.start()
    if server.server_process is None:
        return
    subprocess.Popen(
        [sys.executable, "-m", "cli.watchdog", str(os.getpid()), str(server.server_process.pid)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C to the CLI's group must not stop the watchdog
        close_fds=True,
    )
