"""docker-compose.yml, run by podman the way ``docker compose`` would run it.

The file is read as it ships; a test-only override may change ``image:`` lines and nothing
else. Each service becomes ``podman run`` with the compose project's names (network
``<project>_default`` with the service name as alias, volumes ``<project>_<name>``, containers
``<project>-<service>-<n>``), environment after ``${VAR:-default}`` interpolation, ports,
volumes, restart policy and healthcheck. podman 4.3 cannot wait for ``depends_on`` conditions,
so :meth:`Topology.up` starts services in dependency order and waits for each condition itself.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from deploy.compose_test.engine import Podman

_VARIABLE = re.compile(r"\$\$|\$\{(\w+)(?::?-([^}]*))?\}")
PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"


def interpolate(value: Any, variables: Mapping[str, str]) -> str:
    """Compose interpolation: ``${VAR}``, ``${VAR:-default}``; ``$$`` is a literal ``$``."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, default = match.group(1), match.group(2)
        return variables.get(name) or (default or "")

    return _VARIABLE.sub(one, str(value))


def _seconds(value: str | int | None, default: float) -> float:
    if value is None:
        return default
    found = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)?", str(value))
    if not found:
        raise ValueError(f"duration {value!r}")
    number, unit = float(found.group(1)), found.group(2) or "s"
    return number / 1000 if unit == "ms" else number * 60 if unit == "m" else number


def load(compose_file: Path, override: Mapping[str, Any]) -> dict[str, Any]:
    """The compose file with an override that may only replace services' images."""
    compose: dict[str, Any] = yaml.safe_load(compose_file.read_text(encoding="utf-8"))
    for name, changes in (override.get("services") or {}).items():
        if set(changes) - {"image"} or set(override) - {"services"}:
            raise ValueError(f"the override may change image: lines only ({name}: {changes})")
        compose["services"][name]["image"] = changes["image"]
    return compose


@dataclass
class Topology:
    """One compose project on podman."""

    podman: Podman
    compose: dict[str, Any]
    directory: Path
    variables: Mapping[str, str]
    anonymous_volumes: set[str] = field(default_factory=set)

    @property
    def project(self) -> str:
        return str(self.compose["name"])

    @property
    def network(self) -> str:
        return f"{self.project}_default"

    def volume(self, name: str) -> str:
        return f"{self.project}_{name}"

    def container(self, service: str, index: int = 1) -> str:
        return f"{self.project}-{service}-{index}"

    def service(self, name: str) -> dict[str, Any]:
        return dict(self.compose["services"][name])

    def environment(self, service: str) -> dict[str, str]:
        raw = self.service(service).get("environment") or {}
        return {key: interpolate(value, self.variables) for key, value in raw.items()}

    # -- resources -------------------------------------------------------------------------

    def create_network_and_volumes(self) -> None:
        label = f"{PROJECT_LABEL}={self.project}"
        self.podman("network", "create", "--label", label, self.network)
        for name in self.compose.get("volumes") or {}:
            self.podman("volume", "create", "--label", label, self.volume(name))

    def gateway(self) -> str:
        """The host's address on the project network (what containers reach the host by)."""
        info = json.loads(self.podman.out("network", "inspect", self.network))
        return str(info[0]["subnets"][0]["gateway"])

    def published(self, service: str, container_port: int) -> int:
        """The host port the compose file publishes ``container_port`` of ``service`` on."""
        for spec in self.service(service).get("ports") or []:
            host, _, inside = interpolate(spec, self.variables).split()[0].rpartition(":")
            if int(inside.split("/")[0]) == container_port:
                return int(host.rpartition(":")[2] or inside.split("/")[0])
        raise ValueError(f"{service} does not publish port {container_port}")

    def _mount(self, spec: str) -> list[str]:
        source, _, rest = interpolate(spec, self.variables).partition(":")
        if source.startswith((".", "/")):
            source = str((self.directory / source).resolve())
        else:
            source = self.volume(source)
        return ["--volume", f"{source}:{rest}"]

    def _healthcheck(self, check: Mapping[str, Any]) -> list[str]:
        test = [interpolate(part, self.variables) for part in check["test"]]
        kind, args = test[0], test[1:]
        command = json.dumps(["CMD-SHELL", " ".join(args)] if kind == "CMD-SHELL" else args)
        flags = ["--health-cmd", command]
        for key, flag in (
            ("interval", "--health-interval"),
            ("timeout", "--health-timeout"),
            ("start_period", "--health-start-period"),
        ):
            if key in check:
                flags += [flag, f"{_seconds(check[key], 0):g}s"]
        if "retries" in check:
            flags += ["--health-retries", str(check["retries"])]
        return flags

    def run_args(self, name: str, index: int = 1) -> list[str]:
        """``podman run`` arguments for replica ``index`` of service ``name``."""
        svc = self.service(name)
        args = [
            "run",
            "--detach",
            "--name",
            self.container(name, index),
            "--label",
            f"{PROJECT_LABEL}={self.project}",
            "--label",
            f"{SERVICE_LABEL}={name}",
            "--network",
            self.network,
            "--network-alias",
            name,
            "--restart",
            str(svc.get("restart", "no")),
        ]
        for key, value in self.environment(name).items():
            args += ["--env", f"{key}={value}"]
        for spec in svc.get("volumes") or []:
            args += self._mount(spec)
        for port in svc.get("ports") or []:
            args += ["--publish", interpolate(port, self.variables).split()[0]]
        if "healthcheck" in svc:
            args += self._healthcheck(svc["healthcheck"])
        args.append(interpolate(svc["image"], self.variables))
        args += [interpolate(part, self.variables) for part in svc.get("command") or []]
        return args

    # -- bring-up in stages ----------------------------------------------------------------

    def order(self) -> list[str]:
        """Services so that each comes after everything it depends on."""
        done: list[str] = []

        def visit(name: str, path: tuple[str, ...]) -> None:
            if name in done:
                return
            if name in path:
                raise ValueError(f"depends_on cycle: {' -> '.join((*path, name))}")
            for target in self.service(name).get("depends_on") or {}:
                visit(target, (*path, name))
            done.append(name)

        for name in self.compose["services"]:
            visit(name, ())
        return done

    def up(
        self, scale: Mapping[str, int], before: Mapping[str, Callable[[], None]]
    ) -> dict[str, float]:
        """Start every service once its ``depends_on`` conditions hold (``before[name]`` runs
        just before ``name`` starts); seconds since the start at each service's start."""
        timings: dict[str, float] = {}
        started = time.monotonic()
        for name in self.order():
            for target, spec in (self.service(name).get("depends_on") or {}).items():
                self.wait_for(target, spec["condition"])
            if name in before:
                before[name]()
            for index in range(1, scale.get(name, 1) + 1):
                self.podman(*self.run_args(name, index))
            timings[name] = round(time.monotonic() - started, 1)
        return timings

    def wait_for(self, service: str, condition: str) -> None:
        if condition == "service_completed_successfully":
            code = self.podman.out("wait", self.container(service))
            if code != "0":
                raise RuntimeError(f"{service} exited {code}:\n{self.logs(service)}")
        elif condition == "service_healthy":
            self.wait_healthy(service)
        elif condition != "service_started":
            raise ValueError(f"unknown depends_on condition {condition!r}")

    def wait_healthy(self, service: str) -> None:
        """Run the healthcheck as podman's timer would (there is no systemd to run it)."""
        check = self.service(service)["healthcheck"]
        interval = _seconds(check.get("interval"), 30)
        budget = _seconds(check.get("start_period"), 0) + interval * int(check.get("retries", 3))
        deadline = time.monotonic() + budget + 30
        name = self.container(service)
        while True:
            if self.podman("healthcheck", "run", name, check=False).returncode == 0:
                return
            state = self.podman.out("inspect", "--format", "{{.State.Status}}", name)
            if state not in ("running", "created", "starting"):
                raise RuntimeError(f"{service} is {state}:\n{self.logs(service)}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{service} not healthy after {budget:g}s:\n{self.logs(service)}"
                )
            time.sleep(min(interval, 2))

    def logs(self, service: str, index: int = 1, tail: int = 40) -> str:
        done = self.podman("logs", "--tail", str(tail), self.container(service, index), check=False)
        return (done.stdout + done.stderr).strip()

    # -- teardown ----------------------------------------------------------------------------

    def save_logs(self, directory: Path) -> None:
        """Every container's whole log, one file each (those of an earlier run are removed)."""
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.glob("*.log"):
            old.unlink()
        label = f"label={PROJECT_LABEL}={self.project}"
        for name in self.podman.out(
            "ps", "--all", "--format", "{{.Names}}", "--filter", label
        ).split():
            done = self.podman("logs", name, check=False)
            (directory / f"{name}.log").write_text(done.stdout + done.stderr, encoding="utf-8")

    def stop(self, timeout: int = 10) -> dict[str, int]:
        """``docker compose stop``: dependents first, each running container gets its stop
        signal and ``timeout`` seconds before SIGKILL; exit codes by container (137: killed)."""
        codes: dict[str, int] = {}
        for service in reversed(self.order()):
            label = f"label={SERVICE_LABEL}={service}"
            names = self.podman.out("ps", "--format", "{{.Names}}", "--filter", label).split()
            names = [name for name in names if name.startswith(f"{self.project}-")]
            if not names:
                continue
            self.podman("stop", "--time", str(timeout), *names)
            for name in names:
                code = self.podman.out("inspect", "--format", "{{.State.ExitCode}}", name)
                codes[name] = int(code)
        return codes

    def down(self) -> None:
        """``down -v``: the project's containers with their anonymous volumes (the image's
        ``VOLUME`` where no named volume is mounted), named volumes and network."""
        label = f"label={PROJECT_LABEL}={self.project}"
        ids = self.podman.out("ps", "--all", "--quiet", "--filter", label).split()
        if ids:
            mounts = "{{range .Mounts}}{{.Name}} {{end}}"
            self.anonymous_volumes.update(
                self.podman.out("inspect", "--format", mounts, *ids).split()
            )
            self.podman("rm", "--force", "--volumes", "--time", "10", *ids)
        for name in self.compose.get("volumes") or {}:
            if self.podman.exists("volume", self.volume(name)):
                self.podman("volume", "rm", "--force", self.volume(name))
        if self.podman.exists("network", self.network):
            self.podman("network", "rm", "--force", self.network)

    def leftovers(self) -> list[str]:
        """Whatever of the project still exists (empty after :meth:`down`)."""
        label = f"label={PROJECT_LABEL}={self.project}"
        containers = self.podman.out("ps", "--all", "--format", "{{.Names}}", "--filter", label)
        volumes = self.podman.out("volume", "ls", "--quiet", "--filter", label)
        networks = self.podman.out("network", "ls", "--format", "{{.Name}}")
        found = [f"container {name}" for name in containers.split()]
        found += [f"volume {name}" for name in volumes.split()]
        found += [
            f"volume {v}" for v in sorted(self.anonymous_volumes) if self.podman.exists("volume", v)
        ]
        found += [f"network {name}" for name in networks.split() if name == self.network]
        return found
