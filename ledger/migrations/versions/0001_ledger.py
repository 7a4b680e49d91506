"""Ledger entries, watermarks and sync runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATUS = sa.Enum("pending", "posted", "failed", "dead", name="entrystatus", native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("integration", sa.String(64), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("owner", sa.String(64)),
        sa.Column("source_ref", sa.String(255)),
        sa.Column("target_id", sa.String(255)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reason", sa.Text),
        sa.Column("payload", sa.JSON),
        sa.Column("source_time", sa.DateTime),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("integration", "key", name="uq_ledger_entry_integration_key"),
    )
    op.create_index("ix_ledger_entry_integration_status", "ledger_entry", ["integration", "status"])
    op.create_table(
        "watermark",
        sa.Column("integration", sa.String(64), primary_key=True),
        sa.Column("value", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "sync_run",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column("integration", sa.String(64), nullable=False),
        sa.Column("flow_run_id", sa.String(64)),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("pid_started_at", sa.Float),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("heartbeat_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
    )


def downgrade() -> None:
    op.drop_table("sync_run")
    op.drop_table("watermark")
    op.drop_index("ix_ledger_entry_integration_status", "ledger_entry")
    op.drop_table("ledger_entry")
