"""Writing purchase orders and suppliers into ION so that every write lands once.

ION's GraphQL API has no idempotency keys, so each write is made convergent: read the PO,
compute the edits still missing (`mes.ion.purchase_order_edits.edits_for`), apply them, and on an
etag conflict, a lost answer or a transient failure read again and carry on from what ION
now holds. The two creates that are not naturally repeatable carry their own marker: a new
PO's description names the ERP's PO, a new line's position is the ERP's line number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.errors import DataError, TransientError
from connectors.ion import IonClient
from connectors.ion.queries import (
    CREATE_PURCHASE_ORDER,
    CREATE_PURCHASE_ORDER_LINE,
    CREATE_SUPPLIER,
    ION_PURCHASE_ORDERS,
    PARTS_BY_NUMBER,
    PURCHASE_ORDER_KEYS,
    SUPPLIERS,
    UPDATE_PURCHASE_ORDER,
    UPDATE_PURCHASE_ORDER_ATTRIBUTE,
    UPDATE_PURCHASE_ORDER_LINE,
    UPDATE_PURCHASE_ORDER_LINE_ATTRIBUTE,
    UPDATE_SUPPLIER_ATTRIBUTE,
)
from connectors.retry import retrying
from core.config import PurchasingMappings
from erp.port.purchase_orders import Definitions, DesiredPo, Supplier
from mes.ion.purchase_order_edits import DRAFT_LIKE, Edits, definitions_of, edits_for

MAX_ROUNDS = 6  # read → edit rounds per PO before an etag race is reported as a failure


@dataclass
class Applied:
    ion_id: str
    created: bool
    edits: Edits | None


@dataclass
class IonPurchasing:
    """One run's view of ION purchasing: indexes built once, writes made convergent."""

    ion: IonClient
    purchasing: PurchasingMappings
    po_index: dict[str, str] | None = None  # the ERP's PO number -> ION PO id
    markers: dict[str, str] = field(default_factory=dict)  # description -> ION PO id
    suppliers: dict[str, str] | None = None  # the ERP's vendor id -> ION supplier id
    suppliers_by_name: dict[str, str] = field(default_factory=dict)
    part_ids: dict[str, str | None] = field(default_factory=dict)
    supplier_nodes: dict[str, dict[str, Any]] = field(default_factory=dict)  # ION supplier id -> node
    supplier_definitions: dict[str, list[str]] = field(default_factory=dict)

    # -- reading ----------------------------------------------------------------------

    async def definitions(self) -> Definitions | None:
        """Attribute definitions, read off an existing PO and line (every defined attribute
        shows on every object); None while ION has no PO with a line to read them from."""
        page = await self.ion.page(ION_PURCHASE_ORDERS, "purchaseOrders", {}, first=20, after=None)
        po = next((n for n in page.nodes if n.get("purchaseOrderLines")), None)
        if po is None:
            return None
        await self._load_suppliers()
        return Definitions(
            purchase_order=definitions_of(po.get("attributes")),
            line=definitions_of(po["purchaseOrderLines"][0].get("attributes")),
            supplier=self.supplier_definitions,
        )

    async def find_po(self, number: str, marker: str, *, refresh: bool = False) -> str | None:
        """The ION PO joined to the ERP's PO `number`, or created with `marker` before its join key was set."""
        if self.po_index is None or refresh:
            self.po_index, self.markers = {}, {}
            variables = {"poKey": self.purchasing.po_number_attribute}
            async for page in self.ion.pages(PURCHASE_ORDER_KEYS, "purchaseOrders", variables):
                for node in page.nodes:
                    value = next((a.get("value") for a in node.get("Attributes") or [] if a.get("value")), None)
                    if value:
                        self.po_index.setdefault(str(value), str(node["id"]))
                    elif node.get("description"):
                        self.markers.setdefault(str(node["description"]), str(node["id"]))
        return self.po_index.get(number) or self.markers.get(marker)

    async def resolve_parts(self, numbers: set[str] | frozenset[str]) -> None:
        unknown = sorted(numbers - self.part_ids.keys())
        if not unknown:
            return
        self.part_ids.update({n: None for n in unknown})
        async for page in self.ion.pages(PARTS_BY_NUMBER, "parts", {"numbers": unknown}):
            for node in page.nodes:
                self.part_ids[str(node["partNumber"])] = str(node["id"])

    async def read_po(self, ion_id: str) -> dict[str, Any] | None:
        page = await self.ion.page(
            ION_PURCHASE_ORDERS, "purchaseOrders", {"filters": {"id": {"eq": ion_id}}}, first=1, after=None
        )
        return page.nodes[0] if page.nodes else None

    async def _load_suppliers(self, *, refresh: bool = False) -> None:
        if self.suppliers is not None and not refresh:
            return
        self.suppliers, self.suppliers_by_name, self.supplier_nodes = {}, {}, {}
        async for page in self.ion.pages(SUPPLIERS, "suppliers"):
            for node in page.nodes:
                attributes = node.get("attributes") or []
                self.supplier_nodes[str(node["id"])] = node
                self.supplier_definitions = self.supplier_definitions or definitions_of(attributes)
                vendor = next(
                    (
                        a.get("value")
                        for a in attributes
                        if a.get("key") == self.purchasing.vendor_id_attribute and a.get("value")
                    ),
                    None,
                )
                if vendor:
                    self.suppliers.setdefault(str(vendor), str(node["id"]))
                self.suppliers_by_name.setdefault(str(node["name"]), str(node["id"]))

    # -- writing ----------------------------------------------------------------------

    async def ensure_supplier(self, vendor: Supplier) -> str:
        """The ION supplier for an ERP vendor, created (with its payment terms) on first use."""
        await self._load_suppliers()
        assert self.suppliers is not None
        if vendor.id in self.suppliers:
            return self.suppliers[vendor.id]
        async for attempt in retrying(self.ion.settings.retry):
            with attempt:
                supplier_id = self.suppliers_by_name.get(vendor.name)
                if supplier_id is None:
                    try:
                        data = await self.ion.execute(CREATE_SUPPLIER, {"input": {"name": vendor.name, "email": vendor.email}})
                    except TransientError:
                        await self._load_suppliers(refresh=True)  # it may have landed: match it by name
                        raise
                    supplier_id = str(data["createSupplier"]["supplier"]["id"])
                    self.suppliers_by_name[vendor.name] = supplier_id
                values = {self.purchasing.vendor_id_attribute: vendor.id}
                if self.purchasing.payment_terms_attribute and vendor.terms:
                    values[self.purchasing.payment_terms_attribute] = vendor.terms
                for key, value in values.items():
                    await self._set_attribute(UPDATE_SUPPLIER_ATTRIBUTE, "supplierId", supplier_id, key, value)
                self.suppliers[vendor.id] = supplier_id
                return supplier_id
        raise AssertionError("unreachable")  # pragma: no cover

    async def apply(self, desired: DesiredPo, supplier_id: str, ion_id: str | None, *, check_first: bool) -> Applied:
        """Create or update the ION PO until it matches `desired`; transient failures and lost
        answers are retried from a fresh read, so nothing is written twice. `check_first`: an
        earlier run may have created it already (look before creating)."""
        created = False
        first_edits: Edits | None = None
        async for attempt in retrying(self.ion.settings.retry):
            with attempt:
                if ion_id is None and (check_first or attempt.number > 1):
                    ion_id = await self.find_po(desired.number, desired.marker, refresh=True)
                if ion_id is None:
                    ion_id = await self._create(desired, supplier_id)
                    created = True
                edits = await self._converge(desired, ion_id)
                first_edits = first_edits or edits
                return Applied(ion_id, created, first_edits)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _create(self, desired: DesiredPo, supplier_id: str) -> str:
        data: dict[str, Any] = {
            "supplierId": supplier_id,
            "description": desired.marker,
            "shipToLocationId": desired.ship_to,
            "billToLocationId": desired.ship_to,
        }
        if desired.currency is not None:
            data["currencyId"] = desired.currency
        result = await self.ion.execute(CREATE_PURCHASE_ORDER, {"input": data})
        ion_id = str(result["createPurchaseOrder"]["purchaseOrder"]["id"])
        self.markers[desired.marker] = ion_id
        return ion_id

    async def _converge(self, desired: DesiredPo, ion_id: str) -> Edits:
        """Read, edit, read again until nothing is left to do. Edits that need DRAFT reopen
        the PO first; once its lines match, a PO the ERP still has open is ORDERED again."""
        first: Edits | None = None
        for _ in range(MAX_ROUNDS):
            current = await self.read_po(ion_id)
            if current is None:
                raise DataError(f"ION purchase order {ion_id} for {desired.number} disappeared (deleted in ION?)")
            edits = edits_for(desired, current, self.purchasing.line_number_attribute)
            first = first or edits
            try:
                if not edits.empty:
                    await self._edit(ion_id, current, edits)
                elif not desired.closed and current.get("status") in DRAFT_LIKE and desired.lines:
                    await self._status(ion_id, current["_etag"], "ORDERED")
                else:
                    return first
            except DataError as exc:
                if exc.code != "ETAG_MISMATCH":
                    raise
                # someone (or an earlier attempt of ours) moved it on: read again
        raise TransientError(f"{desired.label}: ION purchase order {ion_id} kept changing under the sync (etag conflicts)")

    async def _edit(self, ion_id: str, current: dict[str, Any], edits: Edits) -> None:
        for key, value in edits.po_attributes.items():
            await self._set_attribute(UPDATE_PURCHASE_ORDER_ATTRIBUTE, "purchaseOrderId", ion_id, key, value, current)
        lines = {str(line["id"]): line for line in current.get("purchaseOrderLines") or []}
        for line_id in edits.cancel_lines:  # allowed in any status
            await self.ion.execute(
                UPDATE_PURCHASE_ORDER_LINE, {"input": {"id": line_id, "etag": lines[line_id]["_etag"], "status": "CANCELED"}}
            )
        for line_id, values in edits.line_attributes.items():  # allowed in any status
            for key, value in values.items():
                await self._set_attribute(
                    UPDATE_PURCHASE_ORDER_LINE_ATTRIBUTE, "purchaseOrderLineId", line_id, key, value, lines[line_id]
                )
        if not edits.structural:
            return
        if current.get("status") not in DRAFT_LIKE:
            # Lines are editable only in DRAFT (ion.md §3.5): reopen now, edit in the next round.
            await self._status(ion_id, current["_etag"], "DRAFT")
            return
        for line_id, values in edits.update_lines.items():
            await self.ion.execute(
                UPDATE_PURCHASE_ORDER_LINE, {"input": {"id": line_id, "etag": lines[line_id]["_etag"], **values}}
            )
        for line in edits.create_lines:
            data = {
                "purchaseOrderId": ion_id,
                "partId": line.part_id,
                "quantity": line.quantity,
                "cost": line.cost,
                "position": line.line,
            }
            await self.ion.execute(CREATE_PURCHASE_ORDER_LINE, {"input": data})

    async def _status(self, ion_id: str, etag: str, status: str) -> None:
        await self.ion.execute(UPDATE_PURCHASE_ORDER, {"input": {"id": ion_id, "etag": etag, "status": status}})

    async def _set_attribute(
        self, mutation: Any, owner_field: str, owner_id: str, key: str, value: str | None, owner: dict[str, Any] | None = None
    ) -> None:
        """Attributes take their own Etag (or the owner's, ion.md §2.4); a new owner's are read first."""
        etag = None
        if owner is not None:
            etag = next((a.get("Etag") for a in owner.get("attributes") or [] if a.get("key") == key), None) or owner.get("_etag")
        if etag is None:
            etag = await self._owner_etag(owner_field, owner_id, key)
        await self.ion.execute(mutation, {"input": {owner_field: owner_id, "key": key, "value": value, "etag": etag}})

    async def _owner_etag(self, owner_field: str, owner_id: str, key: str) -> str:
        if owner_field == "supplierId":
            await self._load_suppliers(refresh=True)
            node = self.supplier_nodes.get(owner_id)
        else:
            node = await self.read_po(owner_id)
        if node is None:
            raise DataError(f"ION {owner_field.removesuffix('Id')} {owner_id} not found")
        return next((a.get("Etag") for a in node.get("attributes") or [] if a.get("key") == key), None) or node["_etag"]
