"""docker-compose.yml and the Dockerfile agree with the code (no Docker engine needed).

Every service, healthcheck, ``depends_on`` condition, port and command is checked against what
newsmon really has: its settings, its CLI, the installed Prefect version, the init script.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import itertools
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import typer.main
import yaml
from sqlalchemy.engine import make_url

from cli.main import app
from composition.settings import Settings
from tests.conftest import REPO_ROOT

COMPOSE: dict[str, Any] = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
DOCKERFILE = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
INIT_DIR = REPO_ROOT / "deploy" / "postgres-init"
# ``${NAME}`` / ``${NAME:-default}`` read from the shell or .env; ``$$`` is a literal ``$``.
_VARIABLE = re.compile(r"\$\$|\$\{(\w+)(?::?-([^}]*))?\}")
NEWSMON_IMAGE_SERVICES = [name for name, svc in SERVICES.items() if "build" in svc] + [
    name
    for name, svc in SERVICES.items()
    if "build" not in svc and svc.get("image") == SERVICES["migrate"]["image"]
]


def resolve(value: Any) -> str:
    """A compose value with ``${VAR:-default}`` replaced by its default and ``$$`` unescaped."""
    return _VARIABLE.sub(lambda m: "$" if m.group(0) == "$$" else m.group(2) or "", str(value))


def env(service: str) -> dict[str, str]:
    raw = SERVICES[service].get("environment") or {}
    assert isinstance(raw, dict), f"{service}: use the mapping form for environment"
    return {key: resolve(value) for key, value in raw.items()}


def command(service: str) -> list[str]:
    cmd = SERVICES[service].get("command")
    assert isinstance(cmd, list), f"{service}: command must be an exec-form list"
    return [str(part) for part in cmd]


def test_the_topology_is_complete() -> None:
    assert {"postgres", "prefect-server", "migrate", "newsmon", "mailpit"} <= set(SERVICES)
    assert NEWSMON_IMAGE_SERVICES, "no service runs the image built from the Dockerfile"
    assert SERVICES["migrate"]["build"] == "."


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_images_are_pinned(service: str) -> None:
    image = SERVICES[service]["image"]
    name, _, tag = image.rpartition(":")
    assert name and tag, f"{service}: {image} has no tag"
    assert tag != "latest" and re.search(r"\d+\.\d+", tag), f"{service}: {image} is not pinned"


def test_postgres_is_16_with_a_volume_and_the_init_script() -> None:
    postgres = SERVICES["postgres"]
    assert postgres["image"].split(":")[1].startswith("16.")
    volumes = postgres["volumes"]
    data_volume = next(v for v in volumes if v.endswith(":/var/lib/postgresql/data"))
    assert data_volume.split(":")[0] in COMPOSE["volumes"]
    assert any(v.startswith("./deploy/postgres-init:/docker-entrypoint-initdb.d") for v in volumes)


def test_prefect_server_runs_exactly_the_installed_prefect() -> None:
    installed = importlib.metadata.version("prefect")
    tag = SERVICES["prefect-server"]["image"].split(":")[1]
    assert tag.startswith(f"{installed}-python3.11")
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert "prefect>=3.8,<3.9" in pyproject["project"]["dependencies"]
    assert installed.startswith("3.8.")


def _init_databases() -> set[str]:
    sql = "\n".join(path.read_text() for path in sorted(INIT_DIR.glob("*.sql")))
    return set(re.findall(r"CREATE DATABASE (\w+)", sql))


def test_both_databases_are_created_on_postgres_and_used() -> None:
    databases = _init_databases()
    pg_env = env("postgres")
    for service in NEWSMON_IMAGE_SERVICES:
        url = make_url(env(service)["NEWSMON_DATABASE_URL"])
        assert (url.get_backend_name(), url.get_driver_name()) == ("postgresql", "psycopg")
        assert (url.host, url.port) == ("postgres", 5432)
        assert url.database in databases
        assert (url.username, url.password) == (
            pg_env["POSTGRES_USER"],
            pg_env["POSTGRES_PASSWORD"],
        )
    prefect_url = make_url(env("prefect-server")["PREFECT_API_DATABASE_CONNECTION_URL"])
    assert prefect_url.drivername == "postgresql+asyncpg"
    assert importlib.util.find_spec("asyncpg") is not None
    assert prefect_url.host == "postgres"
    assert prefect_url.database in databases
    assert prefect_url.database != make_url(env("newsmon")["NEWSMON_DATABASE_URL"]).database


@pytest.mark.parametrize("service", NEWSMON_IMAGE_SERVICES)
def test_newsmon_variables_are_settings_with_valid_values(service: str) -> None:
    variables = {k: v for k, v in env(service).items() if k.startswith("NEWSMON_")}
    assert "NEWSMON_DATABASE_URL" in variables
    unknown = {k for k in variables if k[len("NEWSMON_") :].lower() not in Settings.model_fields}
    assert unknown == set()
    # Parse them as the code will (types, allowed values such as NEWSMON_PACER).
    settings = Settings(**{k[len("NEWSMON_") :].lower(): v for k, v in variables.items()})
    assert settings.pacer == "database", "several processes must share per-host pacing"


def _resolve_command(args: list[str]) -> Any:
    """Walk the real CLI to the command ``args`` names and parse its options (no run).

    Typer bundles its own click, so groups are recognised by their ``commands`` mapping.
    """
    command: Any = typer.main.get_command(app)
    words = list(args)
    while getattr(command, "commands", None) is not None:
        assert words and not words[0].startswith("-"), f"{args} names a group, not a command"
        sub = command.commands.get(words[0])
        assert sub is not None, f"newsmon has no command {words[0]!r} ({args})"
        command, words = sub, words[1:]
    command.make_context(command.name or "newsmon", words)  # raises on unknown options
    return command


@pytest.mark.parametrize("service", NEWSMON_IMAGE_SERVICES)
def test_commands_are_real_cli_commands(service: str) -> None:
    _resolve_command(command(service))


def test_runners_serve_after_the_one_shot_migration() -> None:
    assert command("migrate") == ["db", "upgrade"]
    assert SERVICES["migrate"].get("restart") == "no"
    assert command("newsmon") == ["serve"]
    conditions = {
        name: spec["condition"] for name, spec in SERVICES["newsmon"]["depends_on"].items()
    }
    assert conditions == {
        "migrate": "service_completed_successfully",
        "prefect-server": "service_healthy",
        "mailpit": "service_healthy",
    }
    assert "container_name" not in SERVICES["newsmon"], "a fixed name prevents --scale"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_depends_on_conditions_can_be_met(service: str) -> None:
    for target, spec in (SERVICES[service].get("depends_on") or {}).items():
        assert target in SERVICES, f"{service} depends on unknown {target}"
        condition = spec["condition"]
        if condition == "service_healthy":
            assert "healthcheck" in SERVICES[target], f"{target} has no healthcheck"
        else:
            assert condition == "service_completed_successfully"
            assert SERVICES[target].get("restart") == "no", f"{target} is not one-shot"


def _healthcheck(service: str) -> str:
    check = SERVICES[service]["healthcheck"]
    assert check["test"][0] in ("CMD", "CMD-SHELL")
    assert check["interval"] and check["retries"] >= 3
    return resolve(" ".join(check["test"][1:]))


def test_healthchecks_probe_the_right_things() -> None:
    postgres = _healthcheck("postgres")
    assert "pg_isready" in postgres and "-h 127.0.0.1" in postgres
    assert "-U ${POSTGRES_USER}" in postgres  # the container's variable, escaped as $$
    assert "-d newsmon" in postgres and "newsmon" in _init_databases()
    prefect_port = command("prefect-server")[command("prefect-server").index("--port") + 1]
    assert f"127.0.0.1:{prefect_port}/api/health" in _healthcheck("prefect-server")
    assert "readyz" in _healthcheck("mailpit")


def test_ports_and_addresses_agree() -> None:
    prefect = command("prefect-server")
    assert prefect[:3] == ["prefect", "server", "start"]
    port = prefect[prefect.index("--port") + 1]
    assert prefect[prefect.index("--host") + 1] == "0.0.0.0"
    assert f"{port}:{port}" in SERVICES["prefect-server"]["ports"]
    assert resolve(env("prefect-server")["PREFECT_UI_API_URL"]).endswith(f":{port}/api")
    mailpit_ports = {p.split(":")[1].split()[0] for p in SERVICES["mailpit"]["ports"]}
    assert {"8025", "1025"} <= mailpit_ports  # web UI, SMTP
    for service in NEWSMON_IMAGE_SERVICES:
        variables = env(service)
        api = urlsplit(variables["PREFECT_API_URL"])
        assert (api.hostname, str(api.port), api.path) == ("prefect-server", port, "/api")
        assert variables["NEWSMON_SMTP_HOST"] == "mailpit"
        assert variables["NEWSMON_SMTP_PORT"] == "1025"
        assert variables["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_prefect_variables_are_prefect_settings(service: str) -> None:
    import prefect.settings

    variables = {k for k in env(service) if k.startswith("PREFECT_")}
    assert {k for k in variables if not hasattr(prefect.settings, k)} == set()


@pytest.mark.slow
def test_the_prefect_server_command_exists_in_the_installed_cli() -> None:
    cmd = command("prefect-server")
    usage = subprocess.run(
        [str(Path(sys.executable).parent / "prefect"), *cmd[1:3], "--help"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "COLUMNS": "200"},
    )  # fmt: skip
    assert usage.returncode == 0, usage.stderr
    for option in (part for part in cmd if part.startswith("--")):
        assert option in usage.stdout, option


def test_env_example_lists_every_variable_the_compose_file_reads() -> None:
    example = (REPO_ROOT / ".env.example").read_text(encoding="utf-8")
    text = (REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    names = {m.group(1) for m in _VARIABLE.finditer(text) if m.group(1)}
    assert {"POSTGRES_PASSWORD", "NEWSMON_DIGEST_TO"} <= names
    missing = {name for name in names if not re.search(rf"^#? ?{name}=", example, re.M)}
    assert missing == set()


def test_dockerfile_builds_a_non_root_newsmon_image() -> None:
    base = re.search(r"^FROM (\S+)", DOCKERFILE, re.M)
    assert base is not None and re.fullmatch(r"python:3\.11\.\d+-slim-\w+", base.group(1))
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r'^ENTRYPOINT \["newsmon"\]', DOCKERFILE, re.M)
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert "newsmon" in pyproject["project"]["scripts"]
    packages = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    for package in (p.rstrip("*") for p in packages):
        assert f"COPY {package}/ {package}/" in DOCKERFILE, package
    for folder in ("seeds", "config"):
        assert f"COPY {folder}/ {folder}/" in DOCKERFILE
    assert "RUN pip install ." in DOCKERFILE


# -- make compose-test (deploy/compose_test) runs this file under podman -----------------------


def _compose_test_topology(tmp_path: Path) -> tuple[Any, dict[str, Any]]:
    from deploy.compose_test import images
    from deploy.compose_test.__main__ import VARIABLES
    from deploy.compose_test.engine import Podman
    from deploy.compose_test.topology import Topology, load

    standins = images.standins_for(COMPOSE, "localhost/python:3.11")
    override = {"services": {s.service: {"image": s.tag} for s in standins if s.service}}
    compose = load(REPO_ROOT / "docker-compose.yml", override)
    return Topology(Podman(tmp_path), compose, REPO_ROOT, VARIABLES), override


def test_compose_test_stands_in_for_exactly_the_registry_images(tmp_path: Path) -> None:
    _, override = _compose_test_topology(tmp_path)
    registry_services = set(SERVICES) - set(NEWSMON_IMAGE_SERVICES)
    assert set(override["services"]) == registry_services
    from deploy.compose_test.topology import load

    with pytest.raises(ValueError, match="image: lines only"):
        load(REPO_ROOT / "docker-compose.yml", {"services": {"newsmon": {"command": ["x"]}}})


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_compose_test_runs_each_service_as_written(service: str, tmp_path: Path) -> None:
    """The podman command line carries the file's environment, command, ports, volumes and
    healthcheck unchanged (only the image is a stand-in)."""
    topology, override = _compose_test_topology(tmp_path)
    args = topology.run_args(service, 2)
    flags = list(itertools.pairwise(args))
    svc = SERVICES[service]
    expected_env = {}
    for key, raw in (svc.get("environment") or {}).items():
        whole = re.fullmatch(r"\$\{(\w+)(?::?-[^}]*)?\}", str(raw))
        chosen = whole is not None and whole.group(1) in topology.variables
        expected_env[key] = topology.variables[whole.group(1)] if chosen else resolve(raw)
    given_env = dict(value.split("=", 1) for flag, value in flags if flag == "--env")
    assert given_env == expected_env
    assert ("--name", f"newsmon-{service}-2") in flags
    assert ("--network-alias", service) in flags
    assert ("--restart", str(svc.get("restart", "no"))) in flags
    image = override["services"].get(service, {}).get("image", svc.get("image"))
    assert args[args.index(image) + 1 :] == [str(part) for part in svc.get("command") or []]
    assert [v for f, v in flags if f == "--publish"] == list(svc.get("ports") or [])
    mounts = [v.split(":", 1)[1] for f, v in flags if f == "--volume"]
    assert mounts == [v.split(":", 1)[1] for v in svc.get("volumes") or []]
    if "healthcheck" in svc:
        health = json.loads(dict(flags)["--health-cmd"])
        test = [resolve(part) for part in svc["healthcheck"]["test"]]
        assert health == ([test[0], " ".join(test[1:])] if test[0] == "CMD-SHELL" else test[1:])
