"""Screenshots a reader and an operator see, taken with headless Chromium and checked: the
HTML digest with its coverage chart, and the Prefect flow-run page of an ingest where one
source failed (its state is not a green Completed). Set ``SCREENSHOT_DIR`` to keep the
PNG files; otherwise they stay in the test's temporary folder. Slow: ``pytest -m slow``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import pytest
from matplotlib.image import imread
from sqlalchemy import Engine

from pipeline.digest import build_digest
from storage.migrate import upgrade
from tests.conftest import REPO_ROOT
from tests.digest_data import build
from tests.prefect_fixtures import prefect_env, write_sources_toml
from tests.site.server import NosSite
from tests.test_coverage_chart import DAY
from tests.test_prefect_ui_browser import _chromium, _require_chromium, _text

pytestmark = pytest.mark.slow


def shot_dir(tmp_path: Path) -> Path:
    chosen = os.environ.get("SCREENSHOT_DIR")
    folder = Path(chosen) if chosen else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def assert_not_blank(png: Path) -> np.ndarray:
    """The screenshot exists, is a PNG and shows something (not one flat colour)."""
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = imread(png)[..., :3]
    assert pixels.std() > 0.05, f"{png} is blank"
    return pixels


def test_the_html_digest_shows_its_coverage_chart(sqlite_engine: Engine, tmp_path: Path) -> None:
    _require_chromium()
    build(sqlite_engine)
    result = build_digest(sqlite_engine, DAY, tz=ZoneInfo("Europe/Amsterdam"), out_dir=tmp_path)
    png = shot_dir(tmp_path) / "digest-with-chart.png"
    profile = tmp_path / "chromium-profile"
    try:
        shot = _chromium(result.html_path.as_uri(), profile, f"--screenshot={png}")
        assert shot.returncode == 0, shot.stderr[-2000:]
        pixels = assert_not_blank(png)
        # The chart's bars are tab10 colours: blue (31, 119, 180) is on the page.
        blue = np.all(np.abs(pixels * 255 - (31, 119, 180)) < 12, axis=-1)
        assert blue.sum() > 200, "no chart bars in the screenshot"
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def test_the_flow_run_page_of_a_partial_ingest_is_not_green(
    prefect_server: str, nos_site: NosSite, tmp_path: Path
) -> None:
    _require_chromium()
    database_url = f"sqlite:///{tmp_path / 'newsmon.db'}"
    upgrade(database_url)
    config = nos_site.sources_config(include_misbehaving=True)
    config = config.model_copy(
        update={
            "sources": tuple(s for s in config.sources if s.name in ("nos-buitenland", "nos-kapot"))
        }
    )
    env = prefect_env(tmp_path / "prefect-home", api_url=prefect_server)
    env.update(
        NEWSMON_DATABASE_URL=database_url,
        NEWSMON_DATA_DIR=str(tmp_path / "data"),
        NEWSMON_SOURCES_FILE=str(write_sources_toml(config, tmp_path / "sources.toml")),
    )
    probe = (
        "from flows.ingest_flow import ingest\n"
        "state = ingest(seeds=False, return_state=True)\n"
        "print(state.state_details.flow_run_id)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    run_id = ran.stdout.strip().splitlines()[-1]
    flow_run = httpx.get(f"{prefect_server}/flow_runs/{run_id}", timeout=10).json()
    assert flow_run["state"]["type"] == "FAILED" and flow_run["state"]["name"] == "Partial"
    assert flow_run["state"]["message"].startswith("1 of 2 sources failed: nos-kapot: ")

    url = f"{prefect_server.removesuffix('/api')}/runs/flow-run/{run_id}"
    png = shot_dir(tmp_path) / "flow-run-partial-ingest.png"
    profile = tmp_path / "chromium-profile"
    try:
        dom = _chromium(url, profile, "--dump-dom")
        assert dom.returncode == 0, dom.stderr[-2000:]
        text = _text(dom.stdout)
        # The page's header: the run's name, then its state badge (Partial, red; not Completed).
        assert f"Runs {flow_run['name']} Partial " in text, text[:3000]
        shot = _chromium(url, profile, f"--screenshot={png}")
        assert shot.returncode == 0, shot.stderr[-2000:]
        assert_not_blank(png)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
