"""Ledger migration 0005: a ledger of the Arena flows' earlier names keeps its runs, its
change-polling watermark and its ION -> Arena exactly-once record under the plm-* names."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from ledger import EntryStatus, Ledger
from ledger.migrate import alembic_config


def test_the_arena_flows_history_moves_to_the_plm_names(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = create_engine(url)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        connection.execute(
            text(
                "INSERT INTO watermark (integration, value, updated_at) VALUES ('arena-change-sync', '2026-11-20 10:00:00', '2026-11-20 10:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO ledger_entry (integration, key, status, source_ref, attempts, created_at, updated_at)"
                " VALUES ('plm-feedback', 'ion:asbuilt:10003', 'posted', 'ion:run:1002', 1, '2026-11-20', '2026-11-20'),"
                " ('arena-parts', 'arena:part:SAT-500:B', 'posted', 'arena:item:X', 1, '2026-11-20', '2026-11-20')"
            )
        )
    engine.dispose()
    ledger = Ledger(url)  # migrates to head
    try:
        assert ledger.watermark("plm-change-sync-arena") is not None and ledger.watermark("arena-change-sync") is None
        assert [e.key for e in ledger.entries("plm-feedback-sync-arena", EntryStatus.posted)] == ["ion:asbuilt:10003"]
        assert [e.key for e in ledger.entries("arena-parts", EntryStatus.posted)] == ["arena:part:SAT-500:B"]  # the PLM's, kept
    finally:
        ledger.close()
