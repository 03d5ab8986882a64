"""One fetch per article, and teasers: article aliases, fetch retries, ``articles.text_source``.

``article_aliases`` keeps every URL under which an article was listed or reached, unique by a
SHA-256 of the URL (fixed width: any URL length works on PostgreSQL, where a B-tree entry of
the URL itself could not exceed about 2,700 bytes), with the outlet's article id as a second
look-up key. ``fetch_retries`` holds per listed URL how often reading its article failed and
when it may be tried again. ``articles.text_source`` says where the text came from: ``page``,
``feed`` (a teaser: the page stood behind a wall) or ``seed``; existing seeds become ``seed``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "articles",
        sa.Column("text_source", sa.String(length=10), nullable=False, server_default="page"),
    )
    op.execute("UPDATE articles SET text_source = 'seed' WHERE origin = 'seed'")
    op.create_table(
        "article_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url_key", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("article_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_aliases_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_aliases")),
        sa.UniqueConstraint("url_key", name=op.f("uq_article_aliases_url_key")),
    )
    op.create_index("ix_article_aliases_article_key", "article_aliases", ["article_key"])
    op.create_index("ix_article_aliases_article_id", "article_aliases", ["article_id"])
    op.create_table(
        "fetch_retries",
        sa.Column("url_key", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_retry_at", UTCDateTime(), nullable=True),
        sa.Column("last_outcome", sa.String(length=30), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("url_key", name=op.f("pk_fetch_retries")),
    )


def downgrade() -> None:
    op.drop_table("fetch_retries")
    op.drop_index("ix_article_aliases_article_id", table_name="article_aliases")
    op.drop_index("ix_article_aliases_article_key", table_name="article_aliases")
    op.drop_table("article_aliases")
    # Plain DDL (SQLite >= 3.35 and PostgreSQL): a batch rebuild would drop the FTS triggers.
    op.execute("ALTER TABLE articles DROP COLUMN text_source")
