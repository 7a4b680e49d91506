"""purchase-order-sync's writer on the engine (`core.writer`): an ERP's purchase orders into ION."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.writer import Postable, Writer
from erp.port.purchase_orders import INTEGRATION, DesiredPo, Supplier
from ledger import Claim
from mes.ion.purchase_order_edits import posted_row
from mes.ion.purchasing import IonPurchasing


@dataclass(frozen=True)
class PlannedPo:
    """What one Postable carries: the PO ION should hold, its supplier, the ION PO when known."""

    desired: DesiredPo
    supplier: Supplier
    ion_id: str | None


class PurchaseOrderWriter(Writer):
    """`IonPurchasing.apply` is convergent (it reads ION's copy and makes only the edits that are
    missing), so writing again is safe and `find` has nothing to add."""

    integration = INTEGRATION
    target = "ION"
    idempotent = True

    def __init__(self, ion: IonPurchasing, integration: str = INTEGRATION) -> None:
        self.ion = ion
        self.integration = integration  # per ERP (core.config.erp_integration)

    async def find(self, claim: Claim) -> str | None:
        return None

    async def write(self, items: Sequence[Postable]) -> list[str | Exception]:
        item = items[0]
        planned: PlannedPo = item.record
        supplier_id = await self.ion.ensure_supplier(planned.supplier)
        applied = await self.ion.apply(planned.desired, supplier_id, planned.ion_id, check_first=True)
        item.row.update(posted_row(planned.desired, applied.created, applied.edits))
        return [applied.ion_id]
