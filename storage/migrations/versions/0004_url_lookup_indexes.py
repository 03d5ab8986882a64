"""Indexes for the ingest's "is this listed URL known?" look-ups.

Every chunk of candidates asks which as-listed URLs are stored already (``articles.url``, so a
feed's short ``/l/<id>`` links are not fetched again) and which were found to hold no article
(``fetch_log.url``). Without indexes both are full scans, which grow with the archive. URLs are
unbounded text, so PostgreSQL gets hash indexes (no B-tree row-size limit); SQLite B-trees.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 17:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEXES = (("ix_articles_url", "articles"), ("ix_fetch_log_url", "fetch_log"))


def upgrade() -> None:
    using = "hash" if op.get_bind().dialect.name == "postgresql" else None
    for name, table in INDEXES:
        if using:
            op.create_index(name, table, ["url"], postgresql_using=using)
        else:
            op.create_index(name, table, ["url"])


def downgrade() -> None:
    for name, table in INDEXES:
        op.drop_index(name, table_name=table)
