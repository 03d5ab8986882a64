"""Indexes for running at scale: the digest's day query, story and tag look-ups, ranked search.

* ``ix_articles_changed_updated_at`` (partial, ``version > 1``): the digest's "seen today" query
  is ``first_seen_at in day OR (version > 1 AND updated_at in day)``; without an index on the
  second arm PostgreSQL scans the whole table.
* ``ix_articles_precision_published_at``: the "published that day" query asks for day-precise
  dates in the day or month-only dates in its month; with the precision first, both are ranges.
* ``ix_articles_source_id``, ``ix_digest_items_article_id``, ``ix_digest_items_story_id``,
  ``ix_stories_last_published_at``: look-ups by source, "was this article / story reported
  before", and recent stories for clustering.
* PostgreSQL only: a stored generated ``search_vector`` column with a GIN index replaces the GIN
  index over the ``to_tsvector`` expression. The expression index finds matches fast, but ranking
  them (``ts_rank_cd``) re-parsed every matching article's text: ~3 s for a common beat term at
  1M articles. The stored vector is computed once on write. ``storage/search.py`` queries it.
  (Not in the ORM models: SQLite has no such column; its search uses the FTS5 table.)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

PG_TSVECTOR = "to_tsvector('dutch', coalesce(title, '') || ' ' || coalesce(text, ''))"

PLAIN_INDEXES = (
    ("ix_articles_source_id", "articles", ["source_id"]),
    ("ix_articles_precision_published_at", "articles", ["date_precision", "published_at"]),
    ("ix_digest_items_article_id", "digest_items", ["article_id"]),
    ("ix_digest_items_story_id", "digest_items", ["story_id"]),
    ("ix_stories_last_published_at", "stories", ["last_published_at"]),
)


def upgrade() -> None:
    for name, table, columns in PLAIN_INDEXES:
        op.create_index(name, table, columns)
    op.create_index(
        "ix_articles_changed_updated_at",
        "articles",
        ["updated_at"],
        postgresql_where=sa.text("version > 1"),
        sqlite_where=sa.text("version > 1"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE articles ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({PG_TSVECTOR}) STORED"
        )
        op.execute("CREATE INDEX ix_articles_search_vector ON articles USING GIN (search_vector)")
        op.execute("DROP INDEX IF EXISTS ix_articles_fulltext")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_articles_fulltext ON articles USING GIN ({PG_TSVECTOR})")
        op.execute("DROP INDEX IF EXISTS ix_articles_search_vector")
        op.execute("ALTER TABLE articles DROP COLUMN IF EXISTS search_vector")
    op.drop_index("ix_articles_changed_updated_at", "articles")
    for name, table, _columns in reversed(PLAIN_INDEXES):
        op.drop_index(name, table)
