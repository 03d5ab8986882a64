"""The processing state of one run: tagger, near-duplicate index and story clusterer.

Built once per job (``Processor.from_topics_file``) and warmed lazily from the database's
rolling window the first time it sees a session: stored MinHash signatures are loaded, not
recomputed, and stored story centroids let new articles join existing stories.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import Session

from processing.dedup import NearDupIndex, signature_from_bytes
from processing.stories import StoryClusterer, StoryState
from processing.tagging import Tagger
from scrapers.seedfiles import load_seed_dir
from storage.dedup import window_signatures
from storage.stories import recent_stories
from storage.types import utcnow

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TOPICS_FILE = REPO_ROOT / "config" / "topics.toml"
DEFAULT_SEEDS_DIR = REPO_ROOT / "seeds"
DEFAULT_WINDOW_DAYS = 14


def _locate(path: Path) -> Path:
    """``path`` as given if it exists, else relative to the repository root."""
    path = Path(path)
    if path.exists() or path.is_absolute():
        return path.resolve()
    return (REPO_ROOT / path).resolve()


def load_tagger(topics_file: Path, seeds_dir: Path | None) -> Tagger:
    """Parse the taxonomy and build the seed profile, cached until the topics file changes
    (a long-running ``newsmon serve`` picks up an edited taxonomy at its next run)."""
    return _load_tagger(topics_file, topics_file.stat().st_mtime_ns, seeds_dir)


@lru_cache(maxsize=8)
def _load_tagger(topics_file: Path, mtime_ns: int, seeds_dir: Path | None) -> Tagger:
    seed_texts: list[str] = []
    if seeds_dir is not None and seeds_dir.is_dir():
        loaded = load_seed_dir(seeds_dir)
        seed_texts = [f"{a.title}\n{a.text}" for a in loaded.articles]
    elif seeds_dir is not None:
        log.warning("seed folder %s not found: tagging without the seed profile", seeds_dir)
    return Tagger.from_toml(topics_file.read_text(encoding="utf-8"), seed_texts)


@dataclass
class Processor:
    """Everything :func:`pipeline.article_store.store_record` needs beyond the record itself."""

    tagger: Tagger
    window_days: int = DEFAULT_WINDOW_DAYS
    near_dups: NearDupIndex = field(default_factory=NearDupIndex)
    stories: StoryClusterer = field(default_factory=StoryClusterer)
    warmed: bool = False

    @classmethod
    def from_topics_file(
        cls,
        path: Path | None = None,
        seeds_dir: Path | None = None,
        window_days: int = DEFAULT_WINDOW_DAYS,
    ) -> Processor:
        """A fresh processor for one run (the tagger is shared between runs).

        Without arguments the shipped taxonomy and seeds are used (entry points pass the
        configured ones); relative paths that do not exist from the working directory are
        looked up in the repository.
        """
        topics = _locate(path or DEFAULT_TOPICS_FILE)
        if not topics.is_file():
            raise FileNotFoundError(f"topics file not found: {topics}")
        seeds = _locate(seeds_dir or DEFAULT_SEEDS_DIR)
        return cls(tagger=load_tagger(topics, seeds), window_days=window_days)

    def warm(self, session: Session) -> None:
        """Load the window's signatures and stories from the database (once)."""
        if self.warmed:
            return
        since = utcnow() - timedelta(days=self.window_days)
        n_signatures = 0
        for article_id, data, seen_at in window_signatures(session, since):
            self.near_dups.add(article_id, signature_from_bytes(data), seen_at)
            n_signatures += 1
        n_stories = 0
        for story in recent_stories(session, since):
            if story.centroid:
                self.stories.load(StoryState.from_json(story.id, story.centroid))
                n_stories += 1
        self.warmed = True
        log.debug("processor warmed: %d signatures, %d stories", n_signatures, n_stories)
