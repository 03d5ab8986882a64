"""An index for the due-retry sweep: ``fetch_retries.next_retry_at``.

The sweep asks once per run for the URLs whose retry is due, the longest waiting first
(``next_retry_at <= now ORDER BY next_retry_at LIMIT n``). Rows whose retry is settled (None)
stay for good, so the table only grows; with the index the sweep reads the due rows in order
instead of scanning and sorting the whole table.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 19:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_fetch_retries_next_retry_at", "fetch_retries", ["next_retry_at"])


def downgrade() -> None:
    op.drop_index("ix_fetch_retries_next_retry_at", table_name="fetch_retries")
