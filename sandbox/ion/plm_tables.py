"""SQLite tables of the PLM area: part revisions and attributes, mBOM versions, issues
(ion.md §3.3, §3.10, §3.13, §3.14), procedure versions with their steps, the procedure a run
follows and the fields its steps recorded (sandbox/ion/procedures.py). `IonStore` creates them
with the core tables."""

from __future__ import annotations

_ETAG = "etag TEXT NOT NULL DEFAULT (lower(hex(randomblob(16))))"
_STAMPS = "created TEXT NOT NULL, updated TEXT NOT NULL"

PLM_DDL = f"""
CREATE TABLE IF NOT EXISTS part_revisions (part_id INTEGER PRIMARY KEY, revised_from_id INTEGER);
CREATE TABLE IF NOT EXISTS part_attributes (
  id INTEGER PRIMARY KEY, part_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT, {_ETAG}, {_STAMPS},
  UNIQUE (part_id, key));
CREATE TABLE IF NOT EXISTS mboms (
  id INTEGER PRIMARY KEY, part_id INTEGER NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL,
  {_ETAG}, {_STAMPS}, UNIQUE (part_id, version));
CREATE TABLE IF NOT EXISTS mbom_items (
  id INTEGER PRIMARY KEY, mbom_id INTEGER NOT NULL, part_id INTEGER NOT NULL, quantity REAL,
  made_on_assembly INTEGER NOT NULL DEFAULT 0, {_ETAG});
CREATE TABLE IF NOT EXISTS mbom_item_refdes (
  id INTEGER PRIMARY KEY, mbom_item_id INTEGER NOT NULL, value TEXT NOT NULL, {_ETAG});
CREATE TABLE IF NOT EXISTS issues (
  id INTEGER PRIMARY KEY, title TEXT, status TEXT NOT NULL, disposition TEXT, cause_condition TEXT,
  expected_condition TEXT, run_id INTEGER, run_step_id INTEGER, part_inventory_id INTEGER, {_ETAG}, {_STAMPS});
CREATE TABLE IF NOT EXISTS procedures (
  id INTEGER PRIMARY KEY, family_id INTEGER NOT NULL, version INTEGER NOT NULL, title TEXT NOT NULL,
  description TEXT, status TEXT NOT NULL, {_ETAG}, {_STAMPS}, UNIQUE (family_id, version));
CREATE TABLE IF NOT EXISTS steps (
  id INTEGER PRIMARY KEY, procedure_id INTEGER NOT NULL, title TEXT, content TEXT, position INTEGER NOT NULL,
  {_ETAG}, {_STAMPS});
CREATE TABLE IF NOT EXISTS run_procedures (run_id INTEGER PRIMARY KEY, procedure_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS run_step_fields (
  id INTEGER PRIMARY KEY, run_step_id INTEGER NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, unit TEXT,
  value TEXT, {_ETAG});
CREATE INDEX IF NOT EXISTS steps_procedure ON steps(procedure_id);
CREATE INDEX IF NOT EXISTS run_step_fields_step ON run_step_fields(run_step_id);
CREATE INDEX IF NOT EXISTS mboms_part ON mboms(part_id);
CREATE INDEX IF NOT EXISTS mbom_items_mbom ON mbom_items(mbom_id);
CREATE INDEX IF NOT EXISTS issues_run ON issues(run_id);
"""
