"""Webhook conflicts: a stored event id redelivered with a different payload (by fingerprint).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("inbox_event", sa.Column("fingerprint", sa.String(64)))
    op.create_table(
        "inbox_conflict",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("inbox_id", sa.Integer, sa.ForeignKey("inbox_event.id"), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("payload", sa.JSON),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("resolved_at", sa.DateTime),
        sa.Column("resolved_by", sa.String(64)),
        sa.UniqueConstraint("source", "event_id", "fingerprint", name="uq_inbox_conflict_source_event_fingerprint"),
    )
    op.create_index("ix_inbox_conflict_source_resolved", "inbox_conflict", ["source", "resolved_at"])


def downgrade() -> None:
    op.drop_index("ix_inbox_conflict_source_resolved", "inbox_conflict")
    op.drop_table("inbox_conflict")
    with op.batch_alter_table("inbox_event") as batch:
        batch.drop_column("fingerprint")
