"""GraphQL documents, one `.graphql` file each, parsed at import so a typo fails at once."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

from graphql import OperationType, parse
from graphql.language import OperationDefinitionNode


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    is_mutation: bool


def load(name: str) -> Query:
    text = (files(__package__) / f"{name}.graphql").read_text()
    operations = [d for d in parse(text).definitions if isinstance(d, OperationDefinitionNode)]
    return Query(name=name, text=text, is_mutation=any(o.operation is OperationType.MUTATION for o in operations))


COMPLETED_RUNS = load("completed_runs")
ON_HAND_INVENTORY = load("on_hand_inventory")
LOCATIONS = load("locations")
RECEIPTS = load("receipts")
ION_PURCHASE_ORDERS = load("ion_purchase_orders")
PURCHASE_ORDER_KEYS = load("purchase_order_keys")
SUPPLIERS = load("suppliers")
PARTS_BY_NUMBER = load("parts_by_number")
CREATE_SUPPLIER = load("create_supplier")
UPDATE_SUPPLIER_ATTRIBUTE = load("update_supplier_attribute")
CREATE_PURCHASE_ORDER = load("create_purchase_order")
UPDATE_PURCHASE_ORDER = load("update_purchase_order")
UPDATE_PURCHASE_ORDER_ATTRIBUTE = load("update_purchase_order_attribute")
CREATE_PURCHASE_ORDER_LINE = load("create_purchase_order_line")
UPDATE_PURCHASE_ORDER_LINE = load("update_purchase_order_line")
UPDATE_PURCHASE_ORDER_LINE_ATTRIBUTE = load("update_purchase_order_line_attribute")
LABOR_SESSIONS = load("labor_sessions")
MATCH_PURCHASE_ORDERS = load("match_purchase_orders")
QUICKBOOKS_PURCHASE_ORDERS = load("quickbooks_purchase_orders")
QUICKBOOKS_PARTS = load("quickbooks_parts")
QUICKBOOKS_LINE_ATTRIBUTES = load("quickbooks_line_attributes")
ME = load("me")
PREFLIGHT_RUN_ATTRIBUTES = load("preflight_run_attributes")
PREFLIGHT_INSTALLED_PER_PARENT = load("preflight_installed_per_parent")
ACCEPTANCE_PURCHASE_ORDER = load("acceptance_purchase_order")
