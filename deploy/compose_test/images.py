"""The images docker-compose.yml needs, built here: stand-ins for the registry images and the
project image from its own Dockerfile.

Built once and kept: a stand-in is rebuilt only when its inputs change (a hash label), the
project image through podman's layer cache. Builds run at low CPU priority.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.compose_test.engine import CannotRun, Podman

STANDINS = Path(__file__).parent / "standins"
BASE_IMAGE = "localhost/debian:bookworm"
HASH_LABEL = "newsmon.compose-test.inputs"


@dataclass(frozen=True)
class StandIn:
    """A local image standing in for one registry image of the compose file."""

    service: str | None  # the compose service whose image it replaces (None: a build base)
    tag: str
    containerfile: str
    files: tuple[str, ...] = ()
    build_args: tuple[tuple[str, str], ...] = ()


def standins_for(compose: dict[str, Any], python_tag: str) -> list[StandIn]:
    """The stand-ins, each named after what it replaces (the Python one as the Dockerfile's
    FROM, so the Dockerfile builds unchanged)."""
    services = compose["services"]
    prefect_version = services["prefect-server"]["image"].split(":")[1].split("-")[0]
    python = ("PYTHON_IMAGE", python_tag)
    return [
        StandIn(None, python_tag, "python.Containerfile"),
        StandIn(
            "postgres",
            "localhost/standin/postgres:15-bookworm",
            "postgres.Containerfile",
            ("postgres-entrypoint.sh",),
        ),
        StandIn(
            "prefect-server",
            f"localhost/standin/prefect:{prefect_version}-python3.11",
            "prefect.Containerfile",
            (),
            (python, ("PREFECT_VERSION", prefect_version)),
        ),
        StandIn(
            "mailpit",
            "localhost/standin/mailpit:aiosmtpd",
            "mailpit.Containerfile",
            ("mailpit_standin.py",),
            (python,),
        ),
    ]


def debian_mirror() -> str:
    """The Debian mirror apt uses on this machine (debootstrap fetches from it too)."""
    sources = [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*")]
    for path in sources:
        text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        found = re.search(r"(https?://\S+/debian)/?(\s|$)", text)
        if found:
            return found.group(1)
    return "http://deb.debian.org/debian"


def host_ca_bundle() -> Path:
    for name in ("PIP_CERT", "SSL_CERT_FILE"):
        value = os.environ.get(name)
        if value and Path(value).is_file():
            return Path(value)
    return Path("/etc/ssl/certs/ca-certificates.crt")


def ensure_base(podman: Podman, work: Path) -> None:
    """Debian bookworm (minbase) from debootstrap, imported once as :data:`BASE_IMAGE`."""
    if podman.exists("image", BASE_IMAGE):
        return
    print(f"compose-test: debootstrap bookworm from {debian_mirror()} (once)", flush=True)
    rootfs = Path(tempfile.mkdtemp(prefix="bookworm-", dir=work))
    try:
        log = work / "debootstrap.log"
        with log.open("w") as out:
            done = subprocess.run(
                [
                    "nice",
                    "-n",
                    "15",
                    "debootstrap",
                    "--variant=minbase",
                    "bookworm",
                    str(rootfs),
                    debian_mirror(),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        if done.returncode:
            raise CannotRun(f"debootstrap failed, see {log}")
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        imported = subprocess.run(
            ["podman", "import", "-", BASE_IMAGE],
            stdin=tar.stdout,
            env=podman.env,
            capture_output=True,
            text=True,
        )
        tar.wait()
        if imported.returncode or tar.returncode:
            raise RuntimeError(f"podman import failed: {imported.stderr.strip()[-300:]}")
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)


def _inputs_hash(standin: StandIn, ca_bundle: Path) -> str:
    digest = hashlib.sha256()
    for path in [STANDINS / standin.containerfile, *(STANDINS / f for f in standin.files)]:
        digest.update(path.read_bytes())
    digest.update(ca_bundle.read_bytes())
    digest.update(repr(standin.build_args).encode())
    return digest.hexdigest()[:16]


def ensure_standin(podman: Podman, standin: StandIn, work: Path) -> None:
    ca_bundle = host_ca_bundle()
    wanted = _inputs_hash(standin, ca_bundle)
    if podman.exists("image", standin.tag):
        label = podman.out(
            "image", "inspect", "--format", f'{{{{index .Labels "{HASH_LABEL}"}}}}', standin.tag
        )
        if label == wanted:
            return
    print(f"compose-test: building stand-in {standin.tag}", flush=True)
    with tempfile.TemporaryDirectory(dir=work) as context:
        for name in (standin.containerfile, *standin.files):
            shutil.copy2(STANDINS / name, Path(context) / name)
        shutil.copy2(ca_bundle, Path(context) / "host-ca-certificates.crt")
        args = [
            "build",
            "--pull=never",
            "-f",
            standin.containerfile,
            "-t",
            standin.tag,
            "--label",
            f"{HASH_LABEL}={wanted}",
        ]
        for name, value in standin.build_args:
            args += ["--build-arg", f"{name}={value}"]
        log = work / f"build-{standin.containerfile.split('.')[0]}.log"
        podman.stream([*args, context], log)


def build_project(podman: Podman, root: Path, tag: str, work: Path) -> None:
    """The project's Dockerfile as it ships (``--pull=never``: its FROM is the local stand-in)."""
    print(f"compose-test: building {tag} from the Dockerfile", flush=True)
    podman.stream(["build", "--pull=never", "-t", tag, str(root)], work / "build-newsmon.log")
