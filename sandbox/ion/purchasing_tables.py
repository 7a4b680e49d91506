"""SQLite tables of the purchasing and time-tracking objects (../shared/reference/ion.md §3.2, §3.5-§3.8, §3.12, §3.14).

Kept apart from `store.py` so the run/aBOM tables stay as they were; `IonStore` creates both.
Line `received_quantity` is stored (receiving adds to it, §10) and line `status` is stored and
recomputed on every write that can change it (§3.6: calculated, only CANCELED is manual).
Attribute values of every owner type live in one table keyed by (owner, owner_id, key).
"""

from __future__ import annotations

_ETAG = "etag TEXT NOT NULL DEFAULT (lower(hex(randomblob(16))))"
_STAMPS = "created TEXT NOT NULL, updated TEXT NOT NULL"

PURCHASING_DDL = f"""
CREATE TABLE IF NOT EXISTS users (
  id INTEGER PRIMARY KEY, name TEXT, email TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS currencies (
  id INTEGER PRIMARY KEY, type TEXT NOT NULL, {_ETAG});
CREATE TABLE IF NOT EXISTS suppliers (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT, phone_number TEXT, address TEXT,
  email TEXT, contact_name TEXT, {_ETAG}, {_STAMPS});
CREATE TABLE IF NOT EXISTS purchase_orders (
  id INTEGER PRIMARY KEY, status TEXT NOT NULL, description TEXT, supplier_id INTEGER, currency_id INTEGER,
  ship_to_location_id INTEGER, bill_to_location_id INTEGER, ordered_at TEXT, need_date TEXT,
  estimated_arrival_date TEXT, paid INTEGER NOT NULL DEFAULT 0, {_ETAG}, {_STAMPS});
CREATE TABLE IF NOT EXISTS purchase_order_lines (
  id INTEGER PRIMARY KEY, purchase_order_id INTEGER NOT NULL, part_id INTEGER, status TEXT NOT NULL,
  canceled INTEGER NOT NULL DEFAULT 0, description TEXT, position INTEGER, cost REAL, quantity REAL,
  received_quantity REAL NOT NULL DEFAULT 0, need_date TEXT, estimated_arrival_date TEXT,
  paid INTEGER NOT NULL DEFAULT 0, {_ETAG}, {_STAMPS});
CREATE TABLE IF NOT EXISTS purchase_order_fees (
  id INTEGER PRIMARY KEY, purchase_order_id INTEGER NOT NULL, name TEXT, value REAL, type TEXT,
  {_ETAG}, {_STAMPS});
CREATE TABLE IF NOT EXISTS receipts (
  id INTEGER PRIMARY KEY, received_at TEXT, received_by_id INTEGER, {_ETAG}, {_STAMPS});
CREATE TABLE IF NOT EXISTS receipt_items (
  id INTEGER PRIMARY KEY, receipt_id INTEGER NOT NULL, purchase_order_line_id INTEGER,
  part_inventory_id INTEGER, quantity REAL, {_ETAG}, {_STAMPS});
CREATE TABLE IF NOT EXISTS attribute_values (
  id INTEGER PRIMARY KEY, owner TEXT NOT NULL, owner_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT,
  type TEXT NOT NULL, options TEXT NOT NULL DEFAULT '[]', {_ETAG}, {_STAMPS}, UNIQUE (owner, owner_id, key));
CREATE TABLE IF NOT EXISTS run_steps (
  id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, title TEXT, position INTEGER, status TEXT NOT NULL,
  {_ETAG}, {_STAMPS});
CREATE TABLE IF NOT EXISTS sessions (
  id INTEGER PRIMARY KEY, run_step_id INTEGER NOT NULL, created_by_id INTEGER, check_in TEXT,
  check_out TEXT, {_ETAG}, {_STAMPS});
CREATE INDEX IF NOT EXISTS purchase_order_lines_po ON purchase_order_lines(purchase_order_id);
CREATE INDEX IF NOT EXISTS purchase_order_fees_po ON purchase_order_fees(purchase_order_id);
CREATE INDEX IF NOT EXISTS receipt_items_receipt ON receipt_items(receipt_id);
CREATE INDEX IF NOT EXISTS receipt_items_line ON receipt_items(purchase_order_line_id);
CREATE INDEX IF NOT EXISTS run_steps_run ON run_steps(run_id);
CREATE INDEX IF NOT EXISTS sessions_step ON sessions(run_step_id);
"""

PURCHASING_ID_BASES = {
    "users": 1,
    "currencies": 1,
    "suppliers": 1,
    "purchase_orders": 1,
    "purchase_order_lines": 1,
    "purchase_order_fees": 1,
    "receipts": 1,
    "receipt_items": 1,
    "attribute_values": 1,
    "run_steps": 1,
    "sessions": 1,
}
