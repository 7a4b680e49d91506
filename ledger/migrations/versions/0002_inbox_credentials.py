"""Webhook inbox and stored credentials (rotated OAuth refresh tokens).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INBOX_STATUS = sa.Enum("pending", "handled", "dead", name="inboxstatus", native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "inbox_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("subject", sa.String(255)),
        sa.Column("payload", sa.JSON),
        sa.Column("status", INBOX_STATUS, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("handled_at", sa.DateTime),
        sa.Column("handled_by", sa.String(64)),
        sa.Column("reason", sa.Text),
        sa.UniqueConstraint("source", "event_id", name="uq_inbox_event_source_event_id"),
    )
    op.create_index("ix_inbox_event_status_received", "inbox_event", ["status", "received_at"])
    op.create_table(
        "credential",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("expires_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("credential")
    op.drop_index("ix_inbox_event_status_received", "inbox_event")
    op.drop_table("inbox_event")
