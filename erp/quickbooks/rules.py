"""The QuickBooks business rules of seed 001, as pure functions (no I/O): what an ION purchase
order or part becomes in QuickBooks.

- An ION part is the Inventory item named `<partNumber> Rev <revision>` (e.g. `820412-001 Rev B`).
- A purchase order's document number is its ION id (QuickBooks allows 21 characters).
- An inventoried line (a part and a quantity, no expense code) is an item line; a line without a
  part, or with an expense code, is an account line on the expense attribute's account, else on
  the configured inventory expense account. The class attribute is the line's class.
- Every fee is an account line on the configured fees account.

`plan_purchase_order` reads ION's answer into a `PurchaseOrderPlan` (names, not QuickBooks
ids), or says what is wrong with it; `purchase_order_body` turns a plan plus the ids resolved
in QuickBooks into the request body, and `purchase_order_update` into the sparse update of the
PO QuickBooks already holds. The plan's digest keys the ledger entry, so a changed PO is a new
key (an update) and an unchanged one is a no-op.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from connectors.quickbooks import query_value_problem
from connectors.validation import LARGEST_NUMBER, shown
from core.times import parse_time

PO_INTEGRATION = "quickbooks-purchase-order-sync"
ITEM_INTEGRATION = "quickbooks-item-sync"
DOC_NUMBER_MAX = 21
ITEM_NAME_MAX = 100
TEXT_MAX = 4000  # Memo, PrivateNote, Line.Description (quickbooks.md A7)
SYNCED_STATUSES = ["ORDERED", "RECEIVED"]  # "ordered" and what comes after it
DIGEST_MARK = "ion-sync"


def item_name(part_number: str, revision: str | None) -> str:
    return f"{part_number} Rev {revision}"


def item_name_problem(part_number: Any, revision: Any) -> str | None:
    """Why `<partNumber> Rev <revision>` cannot name a QuickBooks item (ION sends both as strings)."""
    if not part_number or not str(part_number).strip():
        return "partNumber is empty"
    if not isinstance(part_number, str) or not isinstance(revision, str | None):
        return f"partNumber {shown(str(part_number))} rev {shown(str(revision))} is not text"
    if not revision or not str(revision).strip():
        return f"part {part_number} has no revision (items are named '<partNumber> Rev <revision>')"
    name = item_name(part_number, revision)
    if len(name) > ITEM_NAME_MAX:
        return f"item name {shown(name)} is longer than QuickBooks' {ITEM_NAME_MAX} characters"
    if any(c in name for c in ":\t\n"):
        return f"item name {name!r} contains a colon, tab or newline, which QuickBooks refuses"
    unsearchable = query_value_problem(name)
    if unsearchable:
        return f"item name {shown(name)} {unsearchable} (items are found by name)"
    return None


def digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class LinePlan:
    line_id: int
    kind: str  # "item" or "expense"
    description: str
    quantity: float
    unit_cost: float
    amount: float
    part_number: str | None = None
    item: str | None = None  # the QuickBooks item name (item lines)
    item_description: str | None = None
    expense_account: str | None = None  # from the expense attribute; None = the inventory expense account
    class_name: str | None = None


@dataclass(frozen=True)
class FeePlan:
    name: str
    amount: float


@dataclass(frozen=True)
class PurchaseOrderPlan:
    po_id: int
    doc_number: str
    supplier: str
    currency: str | None
    ordered_at: str | None
    ship_address: list[str]
    memo: str | None
    lines: list[LinePlan] = field(default_factory=list)
    fees: list[FeePlan] = field(default_factory=list)
    updated: datetime | None = None

    @property
    def version(self) -> str:
        content = asdict(self)
        content.pop("updated")
        return digest(content)

    @property
    def key(self) -> str:
        return po_key(self.po_id, self.version)

    @property
    def label(self) -> str:
        return f"ION purchase order {self.po_id}"

    @property
    def source_ref(self) -> str:
        return f"ion:purchaseOrder:{self.po_id}"

    @property
    def marker(self) -> str:
        """Written into PrivateNote: tells which version of the PO QuickBooks holds."""
        return f"{DIGEST_MARK} {self.version}"


def po_key(po_id: int | str, version: str) -> str:
    return f"ion:purchaseOrder:{po_id}@{version}"


def _attribute(line: dict[str, Any], key: str | None) -> str | None:
    if not key:
        return None
    for attribute in line.get("attributes") or []:
        if attribute.get("key") == key:
            value = attribute.get("value")
            return str(value).strip() if value not in (None, "") else None
    return None


def _number(value: Any) -> float | None:
    """A finite number QuickBooks can hold (`connectors.validation.LARGEST_NUMBER`), else None."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) and abs(number) <= LARGEST_NUMBER else None


def plan_purchase_order(
    node: dict[str, Any], *, class_attribute: str | None, expense_attribute: str | None
) -> tuple[PurchaseOrderPlan | None, list[str]]:
    """The plan for one ION purchase order, or the problems (naming line and field) that stop it."""
    problems: list[str] = []
    po_id = node.get("id")
    doc_number = str(po_id)
    if len(doc_number) > DOC_NUMBER_MAX:
        problems.append(f"id {doc_number!r} is longer than QuickBooks' {DOC_NUMBER_MAX}-character document number")
    supplier = (node.get("supplier") or {}).get("name")
    if not supplier:
        problems.append("supplier is missing (QuickBooks needs a vendor)")
    lines: list[LinePlan] = []
    total = 0.0
    for line in sorted(node.get("purchaseOrderLines") or [], key=lambda ln: (ln.get("position") or 0, int(ln.get("id") or 0))):
        if line.get("status") == "CANCELED":
            continue
        where = f"line {line.get('id')}"
        quantity, cost = _number(line.get("quantity")), _number(line.get("cost"))
        if quantity is None or quantity <= 0:
            problems.append(f"{where}: quantity = {shown(line.get('quantity'))}: must be a number above 0")
        if cost is None or cost < 0:
            problems.append(f"{where}: cost = {shown(line.get('cost'))}: must be a number, 0 or more")
        if quantity is None or cost is None or quantity <= 0 or cost < 0:
            continue
        part = line.get("part") or None
        expense = _attribute(line, expense_attribute)
        class_name = _attribute(line, class_attribute)
        amount = round(quantity * cost, 2)
        total += amount
        description = str(line.get("description") or (part or {}).get("description") or "").strip()
        if len(description) > TEXT_MAX:
            problems.append(f"{where}: description is longer than QuickBooks' {TEXT_MAX} characters")
            continue
        if part and not expense:
            name_problem = item_name_problem(part.get("partNumber"), part.get("revision"))
            if name_problem:
                problems.append(f"{where}: {name_problem}")
                continue
            name = item_name(part["partNumber"], part["revision"])
            lines.append(
                LinePlan(
                    int(line["id"]),
                    "item",
                    description or name,
                    quantity,
                    cost,
                    amount,
                    part_number=part["partNumber"],
                    item=name,
                    item_description=part.get("description"),
                    class_name=class_name,
                )
            )
        else:
            part_number = part.get("partNumber") if part else None
            if part:
                description = f"{item_name(str(part_number), part.get('revision'))}: {description}".rstrip(": ")
            if not description:
                problems.append(f"{where}: a line without a part needs a description")
                continue
            lines.append(
                LinePlan(
                    int(line["id"]),
                    "expense",
                    description,
                    quantity,
                    cost,
                    amount,
                    part_number=part_number,
                    expense_account=expense,
                    class_name=class_name,
                )
            )
    if not lines and not problems:
        problems.append("no lines to send (every line is canceled or missing)")
    fees: list[FeePlan] = []
    for fee in node.get("fees") or []:
        value = _number(fee.get("value"))
        name = str(fee.get("name") or "Fee")
        if value is None:
            problems.append(f"fee {fee.get('id')} ({name}): value = {fee.get('value')!r}: must be a number")
            continue
        amount = round(total * value / 100, 2) if str(fee.get("type") or "").upper() == "PERCENT" else round(value, 2)
        if amount:
            fees.append(FeePlan(name, amount))
    if len(str(node.get("description") or "")) > TEXT_MAX:
        problems.append(f"description is longer than QuickBooks' {TEXT_MAX}-character Memo")
    if problems:
        return None, problems
    location = node.get("shipToLocation") or {}
    address = [part.strip() for part in str(location.get("address") or "").splitlines() if part.strip()]
    if location.get("name"):
        address = [str(location["name"]), *address]
    return (
        PurchaseOrderPlan(
            po_id=int(po_id),  # type: ignore[arg-type]
            doc_number=doc_number,
            supplier=str(supplier),
            currency=(node.get("currency") or {}).get("type"),
            ordered_at=str(node.get("orderedAt"))[:10] if node.get("orderedAt") else None,
            ship_address=address[:5],
            memo=node.get("description"),
            lines=lines,
            fees=fees,
            updated=parse_time(node.get("_updated")),
        ),
        [],
    )


@dataclass(frozen=True)
class SetupIds:
    """The setup's accounts, resolved to QuickBooks ids for this run."""

    accounts_payable: str
    income: str
    inventory_asset: str
    inventory_expense: str
    fees: str


def _ref(entity_id: str, name: str | None = None) -> dict[str, str]:
    return {"value": entity_id, **({"name": name} if name else {})}


def purchase_order_body(
    plan: PurchaseOrderPlan,
    setup: SetupIds,
    *,
    vendor_id: str,
    items: dict[str, str],
    accounts: dict[str, str],
    classes: dict[str, str],
) -> dict[str, Any]:
    """The QuickBooks PurchaseOrder for a plan whose names all resolved (ids by name)."""
    lines: list[dict[str, Any]] = []
    for number, line in enumerate(plan.lines, start=1):
        class_ref = {"ClassRef": _ref(classes[line.class_name], line.class_name)} if line.class_name else {}
        if line.kind == "item":
            assert line.item is not None
            detail: dict[str, Any] = {
                "ItemRef": _ref(items[line.item], line.item),
                "Qty": line.quantity,
                "UnitPrice": line.unit_cost,
                **class_ref,
            }
            lines.append(
                {
                    "LineNum": number,
                    "DetailType": "ItemBasedExpenseLineDetail",
                    "Amount": line.amount,
                    "Description": line.description,
                    "ItemBasedExpenseLineDetail": detail,
                }
            )
        else:
            account = accounts[line.expense_account] if line.expense_account else setup.inventory_expense
            quantity = f" ({line.quantity:g} x {line.unit_cost:g})" if line.quantity != 1 else ""
            lines.append(
                {
                    "LineNum": number,
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "Amount": line.amount,
                    "Description": f"{line.description}{quantity}",
                    "AccountBasedExpenseLineDetail": {"AccountRef": _ref(account, line.expense_account), **class_ref},
                }
            )
    for fee in plan.fees:
        lines.append(
            {
                "LineNum": len(lines) + 1,
                "DetailType": "AccountBasedExpenseLineDetail",
                "Amount": fee.amount,
                "Description": f"Fee: {fee.name}",
                "AccountBasedExpenseLineDetail": {"AccountRef": _ref(setup.fees)},
            }
        )
    body: dict[str, Any] = {
        "DocNumber": plan.doc_number,
        "VendorRef": _ref(vendor_id, plan.supplier),
        "APAccountRef": _ref(setup.accounts_payable),
        "Line": lines,
        "PrivateNote": private_note(plan),
    }
    if plan.currency:
        body["CurrencyRef"] = {"value": plan.currency}
    if plan.ordered_at:
        body["TxnDate"] = plan.ordered_at
    if plan.memo:
        body["Memo"] = plan.memo
    if plan.ship_address:
        body["ShipAddr"] = {f"Line{i}": text[:500] for i, text in enumerate(plan.ship_address, start=1)}
    return body


def private_note(plan: PurchaseOrderPlan) -> str:
    return f"ION purchase order {plan.po_id} · {plan.marker}"


NOTE_MARK = re.compile(rf"ION purchase order \d+ · {DIGEST_MARK} [0-9a-f]+")
# Line fields the body sets: everything else on a line (LinkedTxn to a bill, CustomerRef,
# TaxCodeRef, BillableStatus, ProjectRef...) is QuickBooks' or its users', and is kept.
OWNED_LINE = {
    "Id",
    "LineNum",
    "DetailType",
    "Amount",
    "Description",
    "ItemBasedExpenseLineDetail",
    "AccountBasedExpenseLineDetail",
}
OWNED_DETAIL = {"ItemRef", "Qty", "UnitPrice", "AccountRef", "ClassRef"}


def purchase_order_update(current: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """The sparse update (`"sparse": true`, quickbooks.md A4) bringing `current` to `body`.

    Sparse: header fields we do not send (DueDate, ShipMethodRef, CustomField, a user's note...)
    stay as they are in QuickBooks. The Line array is not sparse: sent, it replaces the whole list
    (third-party reports, see `tests/contract/quickbooks/README.md`), and a line without an `Id`
    is a new line (A7: "absent/unknown → treated as create"). So each of our lines carries the Id
    of the QuickBooks line it continues, with that line's fields we do not own, and a bill linked
    to it keeps its link; a line QuickBooks has and ION no longer has is dropped."""
    return {
        **body,
        "Line": _keep_line_ids(list(current.get("Line") or []), body["Line"]),
        "PrivateNote": _merged_note(str(current.get("PrivateNote") or ""), body["PrivateNote"]),
    }


def _line_ref(line: dict[str, Any]) -> tuple[Any, Any]:
    detail = line.get(str(line.get("DetailType"))) or {}
    ref = detail.get("ItemRef") or detail.get("AccountRef") or {}
    return line.get("DetailType"), str(ref.get("value"))


def _same_line(old: dict[str, Any], new: dict[str, Any], *, exact: bool) -> bool:
    """Exact: same kind, item or account, and description. Else an item line is its item (its
    quantity, price or description changed) and an account line its description (its account
    or class changed); an account line whose description changed is a new line."""
    if old.get("DetailType") != new.get("DetailType"):
        return False
    same_ref, same_text = _line_ref(old) == _line_ref(new), old.get("Description") == new.get("Description")
    if exact:
        return same_ref and same_text
    return same_ref if new.get("DetailType") == "ItemBasedExpenseLineDetail" else same_text


def _keep_line_ids(existing: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Match each wanted line to an existing one (`_same_line`, exact matches first), in order;
    unmatched wanted lines go without an Id (new)."""
    pool = [line for line in existing if line.get("Id")]
    out: list[dict[str, Any]] = list(wanted)
    matched: set[int] = set()
    for exact in (True, False):
        for i, line in enumerate(wanted):
            if i in matched:
                continue
            old = next((o for o in pool if _same_line(o, line, exact=exact)), None)
            if old is not None:
                pool.remove(old)
                matched.add(i)
                out[i] = _continue_line(old, line)
    return out


def _continue_line(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    kind = str(new["DetailType"])
    detail = {k: v for k, v in (old.get(kind) or {}).items() if k not in OWNED_DETAIL} | new[kind]
    return {k: v for k, v in old.items() if k not in OWNED_LINE} | new | {"Id": old["Id"], kind: detail}


def _merged_note(current: str, ours: str) -> str:
    """Our marker replaces the previous one; whatever else people wrote in the note stays."""
    if NOTE_MARK.search(current):
        return NOTE_MARK.sub(lambda _: ours, current, count=1)[:TEXT_MAX]
    return (f"{ours}\n{current}" if current else ours)[:TEXT_MAX]


def inventory_item_body(name: str, part_number: str, description: str | None, setup: SetupIds, start_date: str) -> dict[str, Any]:
    """A new Inventory item for an ION part, on the setup's income, asset and expense accounts."""
    body: dict[str, Any] = {
        "Name": name,
        "Sku": part_number[:100],
        "Type": "Inventory",
        "TrackQtyOnHand": True,
        "QtyOnHand": 0,
        "InvStartDate": start_date,
        "IncomeAccountRef": _ref(setup.income),
        "AssetAccountRef": _ref(setup.inventory_asset),
        "ExpenseAccountRef": _ref(setup.inventory_expense),
    }
    if description:
        body["Description"] = body["PurchaseDesc"] = description[:4000]
    return body
