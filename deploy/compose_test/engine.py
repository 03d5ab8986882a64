"""podman, installed and configured for this machine, or a one-line reason why it cannot run.

podman reads a ``containers.conf`` of ours through ``CONTAINERS_CONF`` (nothing in /etc is
changed): runc with cgroupfs, because crun refuses hybrid cgroup layouts, and fixed ulimits,
because root inside this kind of sandbox may not raise its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

PACKAGES = ("podman", "debootstrap", "runc")
CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
"""


class CannotRun(RuntimeError):
    """podman cannot run here; the message says what is missing (one line)."""


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def install_missing() -> None:
    """``apt-get install`` the tools that are missing (root, or ``sudo -n``)."""
    missing = [name for name in PACKAGES if shutil.which(name) is None]
    if not missing:
        return
    sudo: list[str] = []
    if os.geteuid() != 0:
        if (
            shutil.which("sudo") is None
            or subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode
        ):
            raise CannotRun(f"{', '.join(missing)} missing and no root to apt-get install them")
        sudo = ["sudo", "-n"]
    if shutil.which("apt-get") is None:
        raise CannotRun(f"{', '.join(missing)} missing and no apt-get to install them")
    print(f"compose-test: installing {' '.join(PACKAGES)} (apt-get)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *PACKAGES]):
        done = subprocess.run([*sudo, *args], capture_output=True, text=True, env=env)
        if done.returncode:
            raise CannotRun(
                f"apt-get install {' '.join(PACKAGES)} failed: {_last_line(done.stderr)}"
            )


class Podman:
    """Runs ``podman`` with our containers.conf; every call is checked."""

    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        conf = state_dir / "containers.conf"
        conf.write_text(CONTAINERS_CONF, encoding="utf-8")
        self.env = {**os.environ, "CONTAINERS_CONF": str(conf)}

    def __call__(
        self, *args: str, check: bool = True, input: str | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["podman", *args],
            env=self.env,
            capture_output=True,
            text=True,
            input=input,
            timeout=timeout,
        )
        if check and done.returncode:
            raise RuntimeError(
                f"podman {' '.join(args[:3])} … exited {done.returncode}: {_last_line(done.stderr)}"
            )
        return done

    def out(self, *args: str) -> str:
        return self(*args).stdout.strip()

    def stream(self, args: Sequence[str], log: Path) -> None:
        """A long command (image builds) at low CPU priority, its output kept in ``log``."""
        with log.open("w", encoding="utf-8") as out:
            done = subprocess.run(
                ["nice", "-n", "15", "podman", *args],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
            )
        if done.returncode:
            tail = log.read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"podman {args[0]} failed ({log}): {_last_line(tail)}")

    def exists(self, kind: str, name: str) -> bool:
        return self(kind, "exists", name, check=False).returncode == 0

    def check_works(self) -> None:
        """Fail with one line unless podman can reach its storage and runtime."""
        info = self("info", "--format", "{{.Host.OCIRuntime.Name}}", check=False)
        if info.returncode:
            raise CannotRun(f"podman does not work here: {_last_line(info.stderr)}")

    def check_can_run(self, image: str) -> None:
        """Fail with one line unless a container really starts on a bridge network here."""
        probe = self("run", "--rm", "--network", "bridge", image, "true", check=False)
        if probe.returncode:
            raise CannotRun(f"podman cannot run containers here: {_last_line(probe.stderr)}")
