"""The ingest spine reads top-down in at most six modules, each named after its stage.

run → discover → fetch → parse → store → publish (``pipeline/ingest/``). Outside the package
the walk may only use shared state and data (the run context and results, the processing
state, the per-article store every origin shares), never another stage; and on the way to
the stored row only the store stage opens database sessions.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.source_tree import ROOT
from tests.test_layout import imported_modules

SPINE = ROOT / "pipeline" / "ingest"
STAGES = ("run", "discover", "fetch", "parse", "store", "publish")
MAX_WALK = 6
# What the spine may use from the rest of pipeline/: data and shared state, not stages.
SHARED = {
    "pipeline.run_state",  # the run's context (configuration), its state and results
    "pipeline.processor",  # tagger, near-duplicate index, story clusterer of a run
    "pipeline.article_store",  # one article's identity, dedup, story, tags (seeds share it)
    "pipeline.interrupt",  # stopping at the next await on SIGINT / SIGTERM
    "pipeline.alerting",  # the alerts publish evaluates
    "pipeline.alert_delivery",  # and delivers (claimed per message)
}


def walk_of(package: Path) -> list[str]:
    """The stage modules of a spine package, in no particular order."""
    return sorted(path.stem for path in package.glob("*.py") if path.name != "__init__.py")


def outside_the_spine(package: Path, prefix: str) -> set[str]:
    """The ``pipeline`` modules the spine's modules import that are not part of it."""
    found: set[str] = set()
    for path in package.glob("*.py"):
        found |= {
            name
            for name in imported_modules(path)
            if name.startswith("pipeline.") and not name.startswith(prefix)
        }
    return found


def test_the_walk_is_at_most_six_modules_named_after_their_stages() -> None:
    walk = walk_of(SPINE)
    assert {"run", "store"} <= set(walk)  # the driver and the one stage that writes
    assert len(walk) <= MAX_WALK, walk
    assert set(walk) <= set(STAGES), walk


def test_the_walk_leaves_the_spine_only_for_shared_state() -> None:
    assert outside_the_spine(SPINE, "pipeline.ingest") <= SHARED


def test_a_seventh_module_fails_the_walk(tmp_path: Path) -> None:
    for name in (*STAGES, "ingest_known"):
        (tmp_path / f"{name}.py").write_text("from pipeline.ingest_walls import x\n")
    assert len(walk_of(tmp_path)) > MAX_WALK
    assert outside_the_spine(tmp_path, "pipeline.ingest.") == {"pipeline.ingest_walls"}


def test_only_the_store_stage_opens_database_sessions() -> None:
    # The walk up to the stored row; publish runs after the run record and reads on its own.
    walk = [SPINE / f"{stage}.py" for stage in STAGES if stage != "publish"]
    shared = [ROOT / "pipeline" / f"{name}.py" for name in ("run_state", "processor")]
    shared.append(ROOT / "pipeline" / "article_store.py")
    opening = {
        str(path.relative_to(ROOT))
        for path in (*walk, *shared)
        if "session_scope(" in path.read_text(encoding="utf-8")
    }
    assert opening == {"pipeline/ingest/store.py"}


def test_every_module_the_readme_layout_names_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## Layout\n")
    layout = readme[start : readme.index("\n## ", start + 1)]
    named = set(re.findall(r"`([a-z_]+(?:/[a-z_]+)*\.py)`", layout))
    assert {"pipeline/ingest/run.py", "pipeline/ingest/publish.py"} <= named
    assert sorted(path for path in named if not (ROOT / path).is_file()) == []
