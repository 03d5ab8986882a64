"""``python -m deploy.compose_test``: build, bring up, prove, tear down; exit 0 only if all held."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import sys
import time
from pathlib import Path

import yaml

from deploy.compose_test import images, site
from deploy.compose_test.engine import CannotRun, Podman, install_missing
from deploy.compose_test.prefect_api import PrefectApi
from deploy.compose_test.prove import RECIPIENT, RUNNER, CheckFailed, Proof
from deploy.compose_test.topology import Topology, load
from tests.site.server import NosSite

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = 2
DATA = "/app/data"
SERVE_SOURCES = f"{DATA}/compose-test-sources.toml"
PACING_SOURCES = [f"{DATA}/compose-test-pacing-{n}.toml" for n in range(1, REPLICAS + 1)]
# What a user would put in .env; nothing else of the shell reaches the compose file.
VARIABLES = {"NEWSMON_SOURCES_FILE": SERVE_SOURCES, "NEWSMON_DIGEST_TO": RECIPIENT}


def work_dir() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "newsmon-compose-test"


def port_free(port: int) -> bool:
    with contextlib.closing(socket.socket()) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def write_into_data_volume(topology: Topology, image: str, path: str, text: str) -> None:
    """A file in the runners' data volume, written as the image's own user (as ``docker
    compose run`` would), so the volume keeps the image's ownership."""
    topology.podman(
        "run",
        "--rm",
        "--interactive",
        "--network",
        "none",
        "--volume",
        f"{topology.volume('newsmon-data')}:{DATA}",
        "--entrypoint",
        "tee",
        image,
        path,
        input=text,
    )


def prepare(work: Path) -> tuple[Topology, str]:
    """Tools, images and the compose project with stand-in images (the override)."""
    install_missing()
    podman = Podman(work)
    podman.check_works()
    images.ensure_base(podman, work)
    podman.check_can_run(images.BASE_IMAGE)
    shipped = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    python_tag = re.search(r"^FROM (\S+)", (ROOT / "Dockerfile").read_text(), re.M)
    assert python_tag is not None
    override: dict[str, dict[str, dict[str, str]]] = {"services": {}}
    for standin in images.standins_for(shipped, f"localhost/{python_tag.group(1)}"):
        images.ensure_standin(podman, standin, work)
        if standin.service:
            override["services"][standin.service] = {"image": standin.tag}
    (work / "docker-compose.override.yml").write_text(yaml.safe_dump(override))
    project_image = shipped["services"]["migrate"]["image"]
    images.build_project(podman, ROOT, project_image, work)
    compose = load(ROOT / "docker-compose.yml", override)
    return Topology(podman, compose, ROOT, VARIABLES), project_image


def run(topology: Topology, project_image: str) -> list[str]:
    busy = [
        p
        for p in (
            topology.published("prefect-server", 4200),
            topology.published("mailpit", 8025),
            topology.published("mailpit", 1025),
        )
        if not port_free(p)
    ]
    if busy:
        raise CannotRun(f"host ports in use: {busy} (docker-compose.yml publishes them)")
    topology.create_network_and_volumes()
    with contextlib.ExitStack() as stack:
        holder: list[NosSite] = []

        def start_site() -> None:
            """On the project network's host address, once the bridge exists."""
            served = stack.enter_context(NosSite(host=topology.gateway()))
            holder.append(served)
            write_into_data_volume(
                topology, project_image, SERVE_SOURCES, site.sources_toml(served, "newsmon-compose")
            )
            for n, path in enumerate(PACING_SOURCES, start=1):
                write_into_data_volume(
                    topology,
                    project_image,
                    path,
                    site.sources_toml(served, f"newsmon-runner{n}", n),
                )

        stages = topology.up({RUNNER: REPLICAS}, before={RUNNER: start_site})
        api = PrefectApi(f"http://127.0.0.1:{topology.published('prefect-server', 4200)}/api")
        mail_url = f"http://127.0.0.1:{topology.published('mailpit', 8025)}"
        proof = Proof(topology, api, holder[0], mail_url, REPLICAS)
        proof.proved.append(
            "up in stages: " + ", ".join(f"{k} at {v:g}s" for k, v in stages.items())
        )
        for step in (
            proof.runners_serve,
            proof.ingest,
            proof.backfill,
            proof.digest_mailed_once,
            lambda: proof.replicas_share_pacing(PACING_SOURCES),
        ):
            step_started = time.monotonic()
            step()
            proof.proved[-1] += f" [{time.monotonic() - step_started:.0f}s]"
        runs = proof.api.started_run_count()
        if runs != 4:
            raise CheckFailed(f"{runs} flow runs were started, 4 by this check (a schedule fired?)")
        proof.proved.append(f"{runs} flow runs started in Prefect, all by this check")
        stop_started = time.monotonic()
        codes = topology.stop()
        killed = sorted(name for name, code in codes.items() if code == 137)
        if killed:
            raise CheckFailed(f"ignored the stop signal for 10 s and were killed: {killed}")
        proof.proved.append(
            f"stop: all {len(codes)} containers ended on their stop signal "
            f"[{time.monotonic() - stop_started:.0f}s]"
        )
    return proof.proved


def main() -> int:
    started = time.monotonic()
    work = work_dir()
    try:
        try:
            work.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CannotRun(f"cannot create {work}: {exc.strerror}") from exc
        topology, project_image = prepare(work)
    except CannotRun as exc:
        print(f"compose-test: cannot run here: {exc}", file=sys.stderr)
        return 1
    built = time.monotonic() - started
    topology.down()  # whatever an interrupted earlier run left
    failure: BaseException | None = None
    proved: list[str] = []
    try:
        proved = run(topology, project_image)
    except (CheckFailed, RuntimeError, CannotRun) as exc:
        failure = exc
    finally:
        topology.save_logs(work / "logs")
        down_started = time.monotonic()
        topology.down()
        down_seconds = time.monotonic() - down_started
    left = topology.leftovers()
    if failure is not None:
        print(f"compose-test: FAILED: {failure}\n(logs in {work})", file=sys.stderr)
        return 1
    if left:
        print(f"compose-test: FAILED: left behind after down -v: {left}", file=sys.stderr)
        return 1
    proved.append(
        f"down -v: no container, volume or network of the project left [{down_seconds:.0f}s]"
    )
    print(
        f"compose-test: docker-compose.yml verified under podman "
        f"({built:.0f}s images, {time.monotonic() - started:.0f}s in all)"
    )
    for line in proved:
        print(f"  - {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
