"""The Arena flows became the PLM-port flows (plm-part-sync-arena, ...): their runs, watermarks
and the ION → Arena ledger entries move to the new names, so a running installation keeps its
history, its change-polling watermark and its exactly-once record. The PLM → ION entries
(`arena-parts`, `arena-mboms`, `arena-changes`) keep their names: they are the PLM's, shared by its flows.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

RUNS = {  # old flow name -> new (runs and watermarks)
    "arena-part-sync": "plm-part-sync-arena",
    "arena-bom-sync": "plm-bom-sync-arena",
    "arena-change-sync": "plm-change-sync-arena",
    "plm-feedback-sync": "plm-feedback-sync-arena",
}
ENTRIES = {"plm-feedback": "plm-feedback-sync-arena"}  # old ledger namespace -> new


def _rename(*, back: bool) -> None:
    for table, names in (("sync_run", RUNS), ("watermark", RUNS), ("ledger_entry", ENTRIES)):
        for old, new in names.items():
            source, target = (new, old) if back else (old, new)
            statement = sa.text(f"UPDATE {table} SET integration = :target WHERE integration = :source")
            op.execute(statement.bindparams(source=source, target=target))


def upgrade() -> None:
    _rename(back=False)


def downgrade() -> None:
    _rename(back=True)
