"""Bring a ledger database to the newest schema with Alembic, safely from several processes."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("ledger") / "migrations"))
    return config


def upgrade(engine: Engine) -> None:
    """Migrate to head, and prove the database takes writes. Two processes starting at once on a fresh database must not both
    create the tables: PostgreSQL takes an advisory lock; SQLite's BEGIN IMMEDIATE (see
    `ledger.store`) already serialises the migration transaction."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(4711000042)"))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        # A write at the first touch, even when there is nothing to migrate: a read-only ledger
        # or a full disk stops the run here, before it reads a source or calls a target.
        connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
