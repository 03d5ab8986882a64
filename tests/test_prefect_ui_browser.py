"""The Prefect UI shows the backfill deployment's run form with its date parameters.

Headless Debian Chromium loads the form page of ``backfill/newsmon`` served by ``newsmon serve``
and saves a screenshot under the test's temporary directory. Slow: ``pytest -m slow``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.prefect_fixtures import ServedNewsmon

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")


def _require_chromium() -> None:
    """Skip locally, fail under CI=true, when Chromium is missing (`make test` installs it)."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _chromium(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1400,1200",
        "--virtual-time-budget=20000",
        *extra,
        url,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_backfill_run_form_shows_the_date_parameters(
    served_newsmon: ServedNewsmon, tmp_path: Path
) -> None:
    _require_chromium()
    response = httpx.post(
        f"{served_newsmon.api_url}/deployments/filter",
        json={"deployments": {"name": {"any_": ["backfill-days"]}}},
        timeout=10,
    )
    response.raise_for_status()
    (backfill,) = [d for d in response.json() if d["entrypoint"].endswith(".backfill")]
    url = f"{served_newsmon.ui_url}/deployments/deployment/{backfill['id']}/run"
    profile = tmp_path / "chromium-profile"
    try:
        dom = _chromium(url, profile, "--dump-dom")
        assert dom.returncode == 0, dom.stderr[-2000:]
        html = dom.stdout
        text = _text(html)
        assert len(re.findall(r'<input[^>]*type="date"', html)) == 2, text[:2000]
        assert "start First day to fetch (inclusive)" in text
        assert "end Last day to fetch (inclusive)" in text
        assert "sources (Optional)" in text
        assert "nos-archief" in text
        assert "refetch (Optional)" in text

        screenshot = tmp_path / "backfill-run-form.png"
        shot = _chromium(url, profile, f"--screenshot={screenshot}")
        assert shot.returncode == 0, shot.stderr[-2000:]
        assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert screenshot.stat().st_size > 10_000
    finally:
        shutil.rmtree(profile, ignore_errors=True)
