"""ION documents the Ramp integration uses (one `.graphql` file each in `queries/`)."""

from __future__ import annotations

from connectors.ion.queries import load

PURCHASE_ORDERS = load("ramp_purchase_orders")
RECEIPTS = load("ramp_receipts")
SUPPLIERS = load("ramp_suppliers")
CREATE_SUPPLIER = load("ramp_create_supplier")
UPDATE_SUPPLIER = load("ramp_update_supplier")
UPDATE_SUPPLIER_ATTRIBUTE = load("ramp_update_supplier_attribute")
UPDATE_PURCHASE_ORDER = load("ramp_update_purchase_order")
