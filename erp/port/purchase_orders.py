"""ERP port: purchase_orders (see erp/port/__init__.py)."""

from __future__ import annotations

from typing import Protocol


class PurchaseOrderSource(Protocol):
    """To be defined with its first ERP-neutral flow (issue 13)."""
