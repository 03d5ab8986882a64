"""Source moves: the configured listing URL that answered a permanent redirect, and where to;
the configured listing URL that answered 410 Gone (the source is skipped until it changes).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 04:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("moved_from", sa.Text(), nullable=True))
        batch.add_column(sa.Column("moved_to", sa.Text(), nullable=True))
        batch.add_column(sa.Column("gone_url", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("gone_url")
        batch.drop_column("moved_to")
        batch.drop_column("moved_from")
