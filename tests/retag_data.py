"""A realistic store for the backtest and retag tests: the seed corpus (through the normal
seed path, with the shipped taxonomy) plus three articles of our own, and a modified taxonomy
that changes a known subset of them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select

from pipeline.article_store import store_record
from pipeline.processor import DEFAULT_TOPICS_FILE, Processor
from pipeline.seed import store_seeds
from storage.db import session_scope
from storage.models import Article, ArticleTag, Story
from storage.records import ArticleRecord
from storage.tag_chunks import tag_snapshot
from tests.conftest import SEEDS_DIR

SHIPPED = DEFAULT_TOPICS_FILE.read_text(encoding="utf-8")
SPORT_RULES = (
    '  { rule = "sport_culture", weight = -0.75, max = 4 },\n',
    '  { rule = "sport_culture AND NOT (',
)
SPORT_URL = "https://example.org/sport/sabalenka"
SEED_001 = "https://nos.nl/nieuwsuur/artikel/2448020-belarussen-willen-geen-oorlog-maar-hun-leider-doet-wat-poetin-wil"
SEED_003 = "seed:003_57f2c6776d6cdc66"
COPY_001 = "https://example.org/kopie/belarussen-willen-geen-oorlog"

EXTRA = [
    ArticleRecord(
        canonical_url=SPORT_URL,
        title="Sabalenka wint in Melbourne",
        text=(
            "De Belarussische tennisster Aryna Sabalenka heeft de finale van de Australian Open "
            "gewonnen. Het is haar tweede grandslamtitel. In Belarus wordt haar zege gevierd; "
            "president Loekasjenko feliciteerde haar, en ook in Rusland werd de wedstrijd "
            "gevolgd. Sabalenka speelt sinds de oorlog onder neutrale vlag."
        ),
        origin="rss",
        published_at=datetime(2024, 1, 27, 12, tzinfo=UTC),
        date_precision="day",
    ),
    ArticleRecord(
        canonical_url="https://example.org/binnenland/fietspad",
        title="Nieuw fietspad in Utrecht",
        text="De gemeente Utrecht opent een nieuw fietspad langs het kanaal. " * 5,
        origin="rss",
        published_at=datetime(2024, 2, 1, 9, tzinfo=UTC),
        date_precision="day",
    ),
]


def modified_taxonomy() -> str:
    """The shipped taxonomy without the sport penalty (the sport item becomes relevant) and
    with heavy penalties on "referendum" (seed 003, alone in its story, stops being relevant)
    and "wijselijk" (seed 001, its story's representative, and its copy leave their story)."""
    lines = [line for line in SHIPPED.splitlines(keepends=True) if not line.startswith(SPORT_RULES)]
    text = "".join(lines)
    anchor = '  { rule = "minsk_agreements", weight = -1.5 },\n'
    assert anchor in text
    return text.replace(
        anchor,
        anchor
        + '  { rule = "\\"referendum\\"", weight = -20.0 },\n'
        + '  { rule = "\\"wijselijk\\"", weight = -20.0 },\n',
    )


def write_taxonomy(folder: Path, text: str, name: str = "topics.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def store_fixture(engine: Engine) -> None:
    """Seeds plus the extra articles and a copy of seed 001 (its exact duplicate), stored
    with the shipped taxonomy."""
    processor = Processor.from_topics_file()
    store_seeds(engine, SEEDS_DIR, processor=processor)
    with session_scope(engine) as session:
        original = session.scalar(select(Article).where(Article.canonical_url == SEED_001))
        assert original is not None
        copy = ArticleRecord(
            canonical_url=COPY_001,
            title=original.title,
            text=original.text,
            origin="rss",
            published_at=datetime(2022, 10, 13, 8, tzinfo=UTC),
            date_precision="day",
        )
        for record in [*EXTRA, copy]:
            store_record(session, record, processor)


def ids_by_url(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {url: id_ for url, id_ in session.execute(select(Article.canonical_url, Article.id))}


def state(engine: Engine) -> dict[str, object]:
    """Tags, relevance, and stories as groups of article ids with their representative (story
    ids themselves may differ after a story was deleted and made again)."""
    with session_scope(engine) as session:
        groups: dict[int, list[int]] = {}
        for article_id, story_id in session.execute(select(Article.id, Article.story_id)):
            if story_id is not None:
                groups.setdefault(story_id, []).append(article_id)
        stories = {
            tuple(sorted(groups.get(s.id, []))): (
                s.representative_id,
                s.label,
                s.first_published_at,
                s.last_published_at,
            )
            for s in session.scalars(select(Story))
        }
        return {"tags": tag_snapshot(session), "stories": stories}


def row_counts(engine: Engine) -> tuple[int, int, int]:
    with session_scope(engine) as session:
        return (
            session.scalar(select(func.count()).select_from(Article)) or 0,
            session.scalar(select(func.count()).select_from(ArticleTag)) or 0,
            session.scalar(select(func.count()).select_from(Story)) or 0,
        )
