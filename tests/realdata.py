"""The real third-party material of ``../shared/realdata``: a path, or a clear skip.

Outside CI a clone without ``../shared`` skips these tests with the reason; under ``CI=true``
the material must be there, so a missing file fails the test instead of hiding it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# ``NEWSMON_REALDATA`` points elsewhere, e.g. from a git worktree that is not beside ``shared/``.
REALDATA_DIR = Path(
    os.environ.get("NEWSMON_REALDATA")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "realdata"
)


def require_realdata(*parts: str) -> Path:
    """The path ``realdata/<parts>``; skip (locally) or fail (``CI=true``) when it is absent."""
    path = REALDATA_DIR.joinpath(*parts)
    if path.exists():
        return path
    reason = f"real test material {path} is absent (../shared/realdata not beside the clone)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true requires it: {reason}")
    pytest.skip(reason)
