"""A read command starts without the heavy libraries or the other commands' code, and no
dependency's private names are used.

``newsmon articles --limit 1`` used to import trafilatura, datasketch, scipy and Alembic up
front, and every other command's module with them; the CLI now imports a command's module when
that command runs (``benchmarks/cli_startup.py`` measures the time).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.source_tree import PACKAGES, ROOT, own_modules

HEAVY = (
    "trafilatura",
    "datasketch",
    "scipy",
    "numpy",
    "alembic",
    "prefect",
    "lxml",
    "matplotlib",
)
# Underscore names that are public API: namedtuple's methods, lxml's documented element types.
PUBLIC_UNDERSCORE = {"_replace", "_asdict", "_fields", "_Element", "_ElementTree"}
# newsmon's own packages that a read command has no use for: the pipeline and its stages.
NOT_FOR_READING = ("pipeline", "digests", "scrapers")
OURS = {*PACKAGES, "tests"}


@pytest.mark.slow
def test_the_cli_and_a_read_command_load_no_heavy_library(tmp_path: Path) -> None:
    probe = (
        "import sys, json\n"
        "from typer.testing import CliRunner\n"
        "from cli.main import app\n"
        "loaded_by_import = sorted(m for m in sys.modules if m.split('.')[0] in HEAVY)\n"
        "result = CliRunner().invoke(app, ['articles', '--limit', '1'])\n"
        "loaded = sorted(m.split('.')[0] for m in sys.modules if m.split('.')[0] in HEAVY)\n"
        "ours = sorted(m for m in sys.modules if m.split('.')[0] in NOT_FOR_READING\n"
        "    or (m.startswith('cli.') and m[4:] not in CLI_NEEDED))\n"
        "ours += [m for m in sys.modules if m == 'sqlalchemy.dialects.postgresql']\n"
        "print(json.dumps([result.exit_code, loaded_by_import, sorted(set(loaded)), ours]))\n"
    )
    probe = probe.replace("HEAVY", repr(HEAVY)).replace("NOT_FOR_READING", repr(NOT_FOR_READING))
    probe = probe.replace(
        "CLI_NEEDED",
        repr(("main", "lazy", "common", "errors", "articles", "tables", "times")),
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "NEWSMON_DATA_DIR": str(tmp_path),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    upgrade = [sys.executable, "-m", "cli.main", "db", "upgrade"]
    subprocess.run(upgrade, cwd=ROOT, env=env, check=True, capture_output=True)
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    code, at_import, after_command, other_code = json.loads(out.stdout.strip().splitlines()[-1])
    assert code == 0
    assert at_import == []
    assert after_command == []
    assert other_code == []


def private_third_party_names(path: Path) -> list[str]:
    """``from pkg.mod import _name`` and ``obj._name`` uses of packages that are not ours."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in OURS | {"__future__"}:
                continue
            found += [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
            if any(part.startswith("_") for part in node.module.split(".")[1:]):
                found.append(node.module)
        elif (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and node.attr not in PUBLIC_UNDERSCORE
            and not (node.attr.startswith("__") and node.attr.endswith("__"))
            and not (isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"})
        ):
            found.append(f"line {node.lineno}: .{node.attr}")
    return found


def test_no_private_name_of_a_dependency_is_used() -> None:
    offenders = {}
    for path in own_modules():
        names = private_third_party_names(path)
        if names:
            offenders[str(path.relative_to(ROOT))] = names
    assert offenders == {}


def test_the_checker_sees_private_names(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from datasketch.minhash import _fmix\n"
        "from trafilatura.settings import Extractor\n"
        "def f(transport):\n    return transport._pool\n"
    )
    assert private_third_party_names(module) == ["datasketch.minhash._fmix", "line 4: ._pool"]
