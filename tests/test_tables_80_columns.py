"""Every command that prints a table about sources, run as a pipe sees it (``COLUMNS=80``):
no source name is cut or split, no line is wider than 80 columns. Names that cannot fit in a
table row switch the output to one block per source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli_process import FAST_FETCH, cli_env, run
from tests.site import NosSite

NAMES = (
    "nos-buitenland",
    "standaard-buitenland-achtergrond-en-analyse",  # longer than any table row allows
    "kapotte-feed-van-de-omroep",
)


def write_sources(path: Path, site: NosSite) -> Path:
    feeds = ("/nosnieuwsbuitenland", "/nosnieuwsalgemeen", "/feeds/kapot.xml")
    parts = [FAST_FETCH]
    for name, feed in zip(NAMES, feeds, strict=True):
        parts.append(
            f'[[sources]]\nname = "{name}"\nkind = "rss"\nurl = "{site.url(feed)}"\n'
            'allowed_hosts = ["127.0.0.1"]\n'
        )
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def assert_names_whole(out: str, command: str) -> None:
    for name in NAMES:
        assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", out), (command, name, out)
    assert "…" not in out, (command, out)
    # A path or URL alone on its line may be longer (it is one word, copied, not read).
    wide = [line for line in out.splitlines() if len(line) > 80 and " " in line.strip()]
    assert wide == [], (command, wide)


@pytest.mark.slow
def test_every_table_keeps_source_names_whole_at_80_columns(
    site: NosSite, sqlite_url: str, tmp_path: Path
) -> None:
    sources = write_sources(tmp_path / "sources.toml", site)
    env = cli_env(sqlite_url, sources, tmp_path / "data", COLUMNS="80")
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    for args, code in (
        (("ingest",), 1),  # the broken feed fails
        (("sources",), 0),
        (("sources", "list"), 0),
        (("sources", "check"), 1),
        (("run",), 1),
    ):
        result = run(env, *args, timeout=240)
        assert result.returncode == code, (args, result.stderr[-2000:])
        assert_names_whole(result.stdout, " ".join(args))
        if args == ("ingest",):  # the failing source is named with its one-line reason
            flat = " ".join(result.stdout.split())
            assert re.search(rf"{NAMES[2]}: parse_error: .*malformed feed", flat), flat
