"""Fetch claims: an article page a run is fetching now, so a concurrent run does not fetch it too.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-06 03:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fetch_claims",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_fetch_claims")),
    )


def downgrade() -> None:
    op.drop_table("fetch_claims")
