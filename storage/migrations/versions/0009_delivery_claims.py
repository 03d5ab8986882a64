"""Delivery claims: one digest row per (day, recipient, round), and the owner of every claim.

Before, ``digest_sends`` logged attempts after all of them were made, so two processes (or a
signal mid-way) could send the same mail twice. Now a row is claimed before the send and is
unique per (day, recipient, round); the claiming process's pid and host tell a claim left by a
dead process. Existing attempt rows are folded into that shape: each ``sent``/``unknown`` row
keeps a round of its own; failures that no success followed stay as one owed ``failed`` row.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 02:30:00
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

DONE = ("sent", "unknown")


def _fold_attempts() -> None:
    """Give each (day, recipient) rows numbered rounds; drop the superseded failures."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, day, recipient, status FROM digest_sends ORDER BY id")
    ).all()
    groups: dict[tuple[Any, str], list[Any]] = defaultdict(list)
    for row in rows:
        groups[(row.day, row.recipient)].append(row)
    for members in groups.values():
        done = [row for row in members if row.status in DONE]
        keep = done or members[-1:]
        attempts = 1 if done else len(members)
        for number, row in enumerate(keep):
            bind.execute(
                sa.text("UPDATE digest_sends SET send_round = :r, attempts = :a WHERE id = :id"),
                {"r": number, "a": attempts, "id": row.id},
            )
        for row in members:
            if row not in keep:
                bind.execute(sa.text("DELETE FROM digest_sends WHERE id = :id"), {"id": row.id})


def upgrade() -> None:
    with op.batch_alter_table("digest_sends") as batch:
        batch.add_column(
            sa.Column("send_round", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("sent_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("owner_pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("owner_host", sa.String(255), nullable=True))
    _fold_attempts()
    op.execute("UPDATE digest_sends SET sent_at = attempted_at WHERE status = 'sent'")
    op.drop_index("ix_digest_sends_day_recipient", table_name="digest_sends")
    with op.batch_alter_table("digest_sends") as batch:
        batch.create_unique_constraint(
            op.f("uq_digest_sends_day_recipient_send_round"), ["day", "recipient", "send_round"]
        )
    with op.batch_alter_table("alert_deliveries") as batch:
        batch.add_column(sa.Column("owner_pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("owner_host", sa.String(255), nullable=True))
        batch.add_column(sa.Column("claimed_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_deliveries") as batch:
        batch.drop_column("claimed_at")
        batch.drop_column("owner_host")
        batch.drop_column("owner_pid")
    with op.batch_alter_table("digest_sends") as batch:
        batch.drop_constraint(op.f("uq_digest_sends_day_recipient_send_round"), type_="unique")
    op.create_index("ix_digest_sends_day_recipient", "digest_sends", ["day", "recipient"])
    with op.batch_alter_table("digest_sends") as batch:
        batch.drop_column("owner_host")
        batch.drop_column("owner_pid")
        batch.drop_column("sent_at")
        batch.drop_column("attempts")
        batch.drop_column("send_round")
