"""Record types and property names the simulator knows (netsuite.md §1.3, §1.5, §1.6).

Field names are the REST API Browser's camelCase names. `normalize` canonicalises a request
body against a spec: unknown names are dropped with a warning, or rejected, per
`X-NetSuite-PropertyNameValidation` (§1.6); names match case-insensitively when configured
(practitioner code sends `itemreceive` for `itemReceive`, §1.5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import NsError

# REST record type -> (SuiteQL item.itemtype, tracking) for the item record types.
ITEM_TYPES: dict[str, tuple[str, str | None]] = {
    "inventoryItem": ("InvtPart", None),
    "lotNumberedInventoryItem": ("InvtPart", "lot"),
    "serializedInventoryItem": ("InvtPart", "serial"),
    "assemblyItem": ("Assembly", None),
    "lotNumberedAssemblyItem": ("Assembly", "lot"),
    "serializedAssemblyItem": ("Assembly", "serial"),
    # A service item for time entries (INFERENCE: the record browser has serviceSaleItem /
    # servicePurchaseItem / serviceResaleItem; §1.3 does not list them).
    "serviceSaleItem": ("Service", None),
}
TRANSACTION_TYPES = {
    "workOrder": "WorkOrd",
    "workOrderCompletion": "WOCompl",
    "workOrderClose": "WOClose",
    # purchasing (§1.3); SuiteQL `transaction.type` values (PurchOrd per [AB constraints.py]; the
    # others follow NetSuite's internal type ids: INFERENCE)
    "purchaseOrder": "PurchOrd",
    "itemReceipt": "ItemRcpt",
    "vendorBill": "VendBill",
}
# Non-transaction records of the purchasing loop (§1.3): entities, reference data, time entries.
PURCHASING_RECORD_TYPES = ["vendor", "employee", "department", "classification", "term", "currency", "timeBill"]
RECORD_TYPES = ["location", *ITEM_TYPES, *TRANSACTION_TYPES, *PURCHASING_RECORD_TYPES]
_CANONICAL = {name.lower(): name for name in RECORD_TYPES}

# Work-order status letters [PRAC-WOSTATUS]; C/G/H meanings are INFERENCE (§1.3).
WORK_ORDER_STATUS = {
    "A": "Planned",
    "B": "Released",
    "C": "Pending Build",
    "D": "In Process",
    "G": "Built",
    "H": "Closed",
}

# Purchase-order status letters (§1.3, [PRAC-POSTATUS]; P = Planned is INFERENCE).
PURCHASE_ORDER_STATUS = {
    "P": "Planned",
    "A": "Pending Supervisor Approval",
    "B": "Pending Receipt",
    "C": "Rejected by Supervisor",
    "D": "Partially Received",
    "E": "Pending Billing/Partially Received",
    "F": "Pending Bill",
    "G": "Fully Billed",
    "H": "Closed",
}
# Vendor-bill status letters (INFERENCE: NetSuite's VendBill:A Open / B Paid In Full / ...).
VENDOR_BILL_STATUS = {"A": "Open", "B": "Paid In Full", "C": "Cancelled", "D": "Pending Approval", "E": "Rejected"}
STATUS_NAMES: dict[str, dict[str, str]] = {
    "workOrder": WORK_ORDER_STATUS,
    "purchaseOrder": PURCHASE_ORDER_STATUS,
    "vendorBill": VENDOR_BILL_STATUS,
}


def canonical_type(name: str) -> str | None:
    """Record types in URLs are matched case-insensitively (`purchaseorder` works in practice)."""
    return _CANONICAL.get(name.lower())


@dataclass(frozen=True)
class Spec:
    """Shape of a property: scalar, reference, subrecord (`fields`) or sublist (`{"items": [...]}`)."""

    kind: str = "scalar"  # scalar | ref | subrecord | sublist
    fields: dict[str, Spec] = field(default_factory=dict)
    custom_prefixes: tuple[str, ...] = ()  # custom field ids kept as sent (custbody_*, custcol_*)


SCALAR = Spec()
REF = Spec("ref")


def subrecord(**fields: Spec) -> Spec:
    return Spec("subrecord", fields)


def sublist(**fields: Spec) -> Spec:
    return Spec("sublist", fields)


def with_custom(spec: Spec, *prefixes: str) -> Spec:
    """The same spec, also accepting custom fields whose id starts with one of `prefixes`."""
    return Spec(spec.kind, spec.fields, prefixes)


INVENTORY_ASSIGNMENT = sublist(
    quantity=SCALAR,
    binNumber=REF,
    toBinNumber=REF,
    receiptInventoryNumber=SCALAR,
    issueInventoryNumber=REF,
    inventoryStatus=REF,
    toInventoryStatus=REF,
    expirationDate=SCALAR,
)
INVENTORY_DETAIL = subrecord(quantity=SCALAR, location=REF, toLocation=REF, unit=SCALAR, inventoryAssignment=INVENTORY_ASSIGNMENT)
_COMMON_TRANSACTION = dict(
    id=SCALAR,
    externalId=SCALAR,
    tranId=SCALAR,
    tranDate=SCALAR,
    postingPeriod=REF,
    memo=SCALAR,
    subsidiary=REF,
    department=REF,
    location=REF,
    customForm=REF,
    createdDate=SCALAR,
    lastModifiedDate=SCALAR,
    links=SCALAR,
)
_CLASS = {"class": REF}

WORK_ORDER_COMPLETION = subrecord(
    **_COMMON_TRANSACTION,
    **_CLASS,
    createdFrom=REF,
    item=REF,
    quantity=SCALAR,
    completedQuantity=SCALAR,
    scrapQuantity=SCALAR,
    orderQuantity=SCALAR,
    isBackflush=SCALAR,
    startOperation=REF,
    endOperation=REF,
    inventoryDetail=INVENTORY_DETAIL,
    component=sublist(
        item=REF,
        quantity=SCALAR,
        quantityPer=SCALAR,
        lineNumber=SCALAR,
        operationSequenceNumber=SCALAR,
        componentInventoryDetail=INVENTORY_DETAIL,
    ),
    operation=sublist(
        operationSequence=SCALAR,
        operationName=SCALAR,
        workCenter=REF,
        completedQuantity=SCALAR,
        inputQuantity=SCALAR,
        quantityRemaining=SCALAR,
        laborSetupTime=SCALAR,
        laborRunTime=SCALAR,
        machineSetupTime=SCALAR,
        machineRunTime=SCALAR,
        laborResources=SCALAR,
        machineResources=SCALAR,
        recordSetup=SCALAR,
        taskId=SCALAR,
        timeId=REF,
    ),
)
WORK_ORDER = subrecord(
    **_COMMON_TRANSACTION,
    **_CLASS,
    assemblyItem=REF,
    quantity=SCALAR,
    billOfMaterials=REF,
    billOfMaterialsRevision=REF,
    manufacturingRouting=REF,
    startDate=SCALAR,
    endDate=SCALAR,
    actualProductionStartDate=SCALAR,
    actualProductionEndDate=SCALAR,
    isWip=SCALAR,
    unbuilt=SCALAR,
    committed=SCALAR,
    status=SCALAR,  # {"id": "B"} or "B": checked by the handler
    orderStatus=SCALAR,
    item=sublist(item=REF, quantity=SCALAR, location=REF),
)
WORK_ORDER_CLOSE = subrecord(**_COMMON_TRANSACTION, createdFrom=REF)

# --- purchasing (§1.3 purchaseOrder / itemReceipt / timeBill field names) ---
PURCHASE_ORDER_LINE = dict(
    line=SCALAR,
    item=REF,
    description=SCALAR,
    quantity=SCALAR,
    quantityReceived=SCALAR,
    quantityBilled=SCALAR,
    rate=SCALAR,
    amount=SCALAR,
    units=SCALAR,
    location=REF,
    expectedReceiptDate=SCALAR,
    isClosed=SCALAR,
    orderLine=SCALAR,
    inventoryDetail=INVENTORY_DETAIL,
    department=REF,
    customer=REF,
    job=REF,
    links=SCALAR,
    **_CLASS,
)
PURCHASE_ORDER = with_custom(
    subrecord(
        **_COMMON_TRANSACTION,
        **_CLASS,
        entity=REF,
        currency=REF,
        dueDate=SCALAR,
        status=SCALAR,  # {"id": "H"} or "H": checked by the handler
        orderStatus=SCALAR,
        approvalStatus=SCALAR,
        total=SCALAR,
        terms=REF,
        item=with_custom(sublist(**PURCHASE_ORDER_LINE), "custcol"),
    ),
    "custbody",
)
ITEM_RECEIPT = subrecord(
    **_COMMON_TRANSACTION,
    createdFrom=REF,
    entity=REF,
    currency=REF,
    exchangeRate=SCALAR,
    orderId=SCALAR,
    orderType=SCALAR,
    landedCostMethod=SCALAR,
    item=sublist(
        itemReceive=SCALAR,
        orderLine=SCALAR,
        orderDoc=SCALAR,
        line=SCALAR,
        item=REF,
        itemName=SCALAR,
        description=SCALAR,
        quantity=SCALAR,
        quantityRemaining=SCALAR,
        onHand=SCALAR,
        location=REF,
        rate=SCALAR,
        units=SCALAR,
        serialNumbers=SCALAR,
        binNumbers=SCALAR,
        expirationDate=SCALAR,
        inventoryDetail=INVENTORY_DETAIL,
        links=SCALAR,
    ),
)
VENDOR_BILL = subrecord(
    **_COMMON_TRANSACTION,
    **_CLASS,
    createdFrom=REF,
    entity=REF,
    currency=REF,
    dueDate=SCALAR,
    status=SCALAR,
    total=SCALAR,
    item=sublist(
        orderLine=SCALAR, line=SCALAR, item=REF, quantity=SCALAR, rate=SCALAR, amount=SCALAR, location=REF, links=SCALAR
    ),
)
TIME_BILL = subrecord(
    id=SCALAR,
    externalId=SCALAR,
    employee=REF,
    tranDate=SCALAR,
    hours=SCALAR,
    item=REF,
    customer=REF,
    location=REF,
    department=REF,
    subsidiary=REF,
    memo=SCALAR,
    isBillable=SCALAR,
    isProductive=SCALAR,
    isUtilized=SCALAR,
    rate=SCALAR,
    price=REF,
    payrollItem=REF,
    timeType=SCALAR,
    approvalStatus=SCALAR,
    timesheet=REF,
    createdDate=SCALAR,
    lastModifiedDate=SCALAR,
    links=SCALAR,
    **_CLASS,
)

# Fields usable in `q=` per record type (besides id/externalId/lastModifiedDate, always allowed).
FILTER_FIELDS: dict[str, set[str]] = {
    "workOrder": {"tranId", "tranDate", "status", "assemblyItem", "quantity", "location", "memo", "createdDate"},
    "workOrderCompletion": {"tranId", "tranDate", "createdFrom", "item", "quantity", "location", "memo", "createdDate"},
    "workOrderClose": {"tranId", "tranDate", "createdFrom", "createdDate"},
    "location": {"name", "parent", "isInactive"},
    "purchaseOrder": {
        "tranId",
        "tranDate",
        "status",
        "entity",
        "location",
        "department",
        "class",
        "currency",
        "memo",
        "createdDate",
        "dueDate",
        "total",
    },
    "itemReceipt": {"tranId", "tranDate", "createdFrom", "entity", "location", "memo", "createdDate"},
    "vendorBill": {"tranId", "tranDate", "createdFrom", "entity", "status", "memo", "createdDate", "total"},
    "timeBill": {"employee", "tranDate", "item", "customer", "location", "memo", "createdDate", "isBillable"},
    "vendor": {"companyName", "entityId", "email", "isInactive", "terms"},
    "employee": {"entityId", "firstName", "lastName", "email", "isInactive"},
    "department": {"name", "isInactive"},
    "classification": {"name", "isInactive"},
    "term": {"name"},
    "currency": {"name", "symbol"},
    **{t: {"itemId", "displayName", "isInactive"} for t in ITEM_TYPES},
}


class Normalizer:
    """Canonicalises one request body; collects warnings for unknown names (mode 'warning')."""

    def __init__(self, mode: str, case_insensitive: bool, error_code: str) -> None:
        self.mode = mode
        self.case_insensitive = case_insensitive
        self.error_code = error_code
        self.warnings: list[str] = []

    def object(self, value: Any, spec: Spec, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise NsError(
                400,
                "INVALID_CONTENT",
                f"Error while accessing a resource. Invalid value for {path or 'the request body'}: an object is expected.",
                path=path or None,
            )
        lookup = {k.lower(): k for k in spec.fields} if self.case_insensitive else None
        out: dict[str, Any] = {}
        for key, sub in value.items():
            name = key if key in spec.fields else (lookup.get(key.lower()) if lookup else None)
            where = f"{path}.{key}" if path else key
            if name is None and spec.custom_prefixes and key.lower().startswith(spec.custom_prefixes):
                out[key.lower()] = sub  # custom field ids are lower case in NetSuite
                continue
            if name is None:
                self._unknown(key, where)
                continue
            out[name] = self.value(sub, spec.fields[name], where)
        return out

    def value(self, value: Any, spec: Spec, path: str) -> Any:
        if value is None or spec.kind == "scalar":
            return value
        if spec.kind == "ref":
            return self.object(value, Spec("subrecord", _REF_FIELDS), path)
        if spec.kind == "subrecord":
            return self.object(value, spec, path)
        # sublist: {"items": [...]} (a bare list is tolerated)
        items = value.get("items") if isinstance(value, dict) else value
        if not isinstance(items, list):
            raise NsError(
                400,
                "INVALID_CONTENT",
                f'Error while accessing a resource. The sublist {path} must be shaped {{"items": [...]}}.',
                path=path,
            )
        if isinstance(value, dict):
            for key in value:
                if key not in ("items", "links") and key.lower() != "items":
                    self._unknown(key, f"{path}.{key}")
        return {"items": [self.object(line, spec, f"{path}.items[{i}]") for i, line in enumerate(items)]}

    def _unknown(self, key: str, path: str) -> None:
        if self.mode == "error":
            raise NsError(
                400,
                self.error_code,
                f"Error while accessing a resource. The field {key} is not valid for this record.",
                path=path,
            )
        if self.mode == "warning":
            self.warnings.append(f"Unknown field name {key} at {path}; the field was ignored.")


_REF_FIELDS = {"id": SCALAR, "externalId": SCALAR, "refName": SCALAR, "links": SCALAR, "type": SCALAR}
