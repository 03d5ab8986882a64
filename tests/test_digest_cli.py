"""`newsmon run` ends with today's digest (the seeds it stored are in it); `newsmon digest`
prints the path of the Markdown file, by first-seen or by publication day."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from composition.settings import get_settings
from tests.conftest import SEEDS_DIR

SOURCES_TOML = """
[fetch]
retries = 0
timeout_s = 2

[[sources]]
name = "local-feed"
kind = "rss"
url = "{url}"
allowed_hosts = ["127.0.0.1"]
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def data_dir(monkeypatch: pytest.MonkeyPatch, sqlite_url: str, tmp_path: Path) -> Path:
    # One source on a loopback port where nothing listens: `run` stays off the internet and
    # the digest must report the source as failing.
    sources = tmp_path / "sources.toml"
    sources.write_text(
        SOURCES_TOML.format(url=f"http://127.0.0.1:{free_port()}/feed.xml"), encoding="utf-8"
    )
    monkeypatch.setenv("NEWSMON_SOURCES_FILE", str(sources))
    monkeypatch.setenv("NEWSMON_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NEWSMON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSMON_SEEDS_DIR", str(SEEDS_DIR))
    get_settings.cache_clear()
    return tmp_path / "data"


def invoke(*args: str, code: int = 0) -> tuple[int, str]:
    get_settings.cache_clear()
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.exit_code, result.stdout


@pytest.mark.slow  # `run` starts Prefect's temporary server
def test_run_ends_with_todays_digest_listing_the_seeds(data_dir: Path) -> None:
    _, out = invoke("run", code=2)  # its only source is unreachable: exit 2
    path = Path(out.strip().splitlines()[-1])
    assert path.parent == data_dir / "digests"
    assert path.suffix == ".md" and path.with_suffix(".html").exists()
    markdown = path.read_text(encoding="utf-8")
    # All five seeds are reported (processing may cluster them into fewer stories).
    assert re.search(r": \d+ stor(y|ies), 5 articles\.", markdown)
    # The header seed links to its URL; URL-less seeds are shown without a link.
    assert (
        "[Belarussen willen geen oorlog, maar hun leider doet wat Poetin wil]"
        "(https://nos.nl/nieuwsuur/artikel/2448020-belarussen-willen-geen-oorlog-maar-hun-"
        "leider-doet-wat-poetin-wil)"
    ) in markdown
    untitled = "Heel duidelijk was de Wit-Russische president Aleksandr Loekasjenko niet."
    assert untitled in markdown and f"[{untitled}]" not in markdown
    assert "October 2022" in markdown and "date unknown" in markdown
    # Offline, the unreachable source is listed in the source-health section.
    health = markdown.split("## Source health", 1)[1]
    assert "| local-feed |" in health


def test_digest_by_publication_day(data_dir: Path) -> None:
    invoke("seed")
    _, out = invoke("digest", "--published", "--date", "2022-10-12")
    path = Path(out.strip())
    assert path == data_dir / "digests" / "2022-10-12-published.md"
    markdown = path.read_text(encoding="utf-8")
    assert "Articles published on 2022-10-12" in markdown
    assert "1 story, 1 article" in markdown and "2022-10-12 07:00" in markdown
    # The October 2022 seed (month precision) is reported on the first of the month only.
    _, out = invoke("digest", "--published", "--date", "2022-10-01")
    assert "October 2022" in Path(out.strip()).read_text(encoding="utf-8")
    _, out = invoke("digest", "--published", "--date", "2022-10-02")
    assert "No new articles published on 2022-10-02" in Path(out.strip()).read_text(
        encoding="utf-8"
    )


def test_unwritable_digest_folder_is_a_clear_error(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "digests").write_text("a file where the folder should be", encoding="utf-8")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["digest", "--date", "2026-03-10"])
    assert result.exit_code == 1
    assert "cannot write the digest to" in " ".join(result.stderr.split())


def test_unknown_timezone_is_a_clear_error(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSMON_TIMEZONE", "Mars/Olympus_Mons")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["digest"])
    assert result.exit_code == 2  # a configuration error: nothing ran (issue 23)
    assert "is not a known time zone" in " ".join(result.stderr.split())
