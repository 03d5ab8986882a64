"""Who runs an ingest run: the process id and host, so a run whose process is gone can be found.

A run killed by kill -9 (or a machine that went down) stays ``running`` for ever otherwise; the
next run checks the recorded owner and marks such runs ``abandoned``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ingest_runs") as batch:
        batch.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("hostname", sa.String(255), nullable=True))
    op.create_index("ix_ingest_runs_status", "ingest_runs", ["status"])


def downgrade() -> None:
    op.drop_index("ix_ingest_runs_status", table_name="ingest_runs")
    with op.batch_alter_table("ingest_runs") as batch:
        batch.drop_column("hostname")
        batch.drop_column("pid")
