"""Canonical URLs of any length on PostgreSQL: TEXT, unique through a hash of the URL.

``articles.canonical_url`` was ``VARCHAR(2000)`` with a B-tree unique constraint: PostgreSQL
refused a longer URL (and a B-tree entry cannot exceed about 2,700 bytes anyway), so such an
article failed on every poll. Now the column is ``TEXT``; uniqueness is a unique index on
``md5(canonical_url)`` (fixed width, whatever the URL's length), and look-ups by URL use a hash
index. SQLite needs nothing: its column type does not limit length and its unique constraint
takes any text. (Not in the ORM models: the expression index exists on PostgreSQL only.)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 08:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UNIQUE_CONSTRAINT = "uq_articles_canonical_url"
UNIQUE_HASH_INDEX = "uq_articles_canonical_url_md5"
LOOKUP_INDEX = "ix_articles_canonical_url"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_constraint(UNIQUE_CONSTRAINT, "articles", type_="unique")
    op.alter_column(
        "articles", "canonical_url", type_=sa.Text(), existing_type=sa.String(2000)
    )
    op.execute(f"CREATE UNIQUE INDEX {UNIQUE_HASH_INDEX} ON articles (md5(canonical_url))")
    op.execute(f"CREATE INDEX {LOOKUP_INDEX} ON articles USING hash (canonical_url)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Fails (and changes nothing) while a stored URL is longer than 2,000 characters.
    op.execute(f"DROP INDEX {LOOKUP_INDEX}")
    op.execute(f"DROP INDEX {UNIQUE_HASH_INDEX}")
    op.alter_column(
        "articles", "canonical_url", type_=sa.String(2000), existing_type=sa.Text()
    )
    op.create_unique_constraint(UNIQUE_CONSTRAINT, "articles", ["canonical_url"])
