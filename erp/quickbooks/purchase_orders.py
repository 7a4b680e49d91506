"""ION purchase orders into QuickBooks: planning a page (every name that must be kept in sync by
hand checked before anything is written) and `PurchaseOrderWriter`, quickbooks-purchase-order-
sync's writer on the engine.

A PO with a supplier, class or expense account QuickBooks lacks is one dead letter naming all of
them, and each missing name is a row of the "out of sync" table. The rest are keyed
`ion:purchaseOrder:<id>@<version>`: the writer creates the items their lines need, then creates
the PO (requestid from the key) or sparse-updates the one already there under the same document
number (SyncToken; stale → re-read, retry once; its lines keep their QuickBooks Ids, so bills
linked to them stay linked). The version is written into the PO's PrivateNote, so after a crash
QuickBooks itself says whether this version landed. A PO posts whole or not at all: it is sent
only when every name resolved and every item exists, as one request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.errors import DataError, TransientError
from connectors.quickbooks import QuickBooksClient, request_id
from connectors.quickbooks.errors import DUPLICATE_DOC_NUMBER
from core.config import QuickBooksMappings
from core.times import parse_time
from core.writer import Postable, Writer, one_record
from erp.quickbooks.items import ensure_items
from erp.quickbooks.pages import PagePlan
from erp.quickbooks.rules import (
    DIGEST_MARK,
    PO_INTEGRATION,
    PurchaseOrderPlan,
    SetupIds,
    digest,
    plan_purchase_order,
    po_key,
    purchase_order_body,
    purchase_order_update,
)
from erp.quickbooks.setup import NameCache
from ledger import Claim, Ledger
from ledger.store import DeadLetter

POSTS_AT_ONCE = 8  # under the realm's 10 concurrent requests (A5), leaving room for lookups


def out_of_sync_problems(plan: PurchaseOrderPlan, names: NameCache) -> list[dict[str, Any]]:
    """Every name of the plan that QuickBooks does not have: one row each, saying how to fix it."""
    rows = []

    def row(line: int | None, what: str, value: str, fix: str) -> None:
        if value in names.refused:
            fix = f"the name {names.refused[value]}: rename it"
        rows.append({"purchase order": plan.po_id, "line": line or "", "what": what, "ION value": value, "fix": fix})

    if names.vendors.get(plan.supplier) is None:
        row(None, "supplier", plan.supplier, f"create a QuickBooks vendor with display name {plan.supplier!r}")
    for line in plan.lines:
        if line.class_name and names.classes.get(line.class_name) is None:
            row(line.line_id, "class", line.class_name, f"create the QuickBooks class {line.class_name!r} (or fix the option)")
        if line.expense_account and names.accounts.get(line.expense_account) is None:
            row(
                line.line_id,
                "expense account",
                line.expense_account,
                f"create (or reactivate) the QuickBooks account {line.expense_account!r}, or fix the ION option",
            )
    return rows


async def plan_po_page(
    qbo: QuickBooksClient,
    ledger: Ledger,
    names: NameCache,
    setup: QuickBooksMappings,
    ids: SetupIds,
    nodes: list[dict[str, Any]],
    *,
    retry_dead: bool,
) -> PagePlan:
    """ION POs → postables; bad input and out-of-sync names are dead letters, the rest ready."""
    page = PagePlan()
    plans: list[PurchaseOrderPlan] = []
    for node in nodes:
        version = digest({k: v for k, v in node.items() if k != "_updated"})
        key, source = po_key(str(node.get("id")), version), f"ion:purchaseOrder:{node.get('id')}"
        label, updated = f"ION purchase order {node.get('id')}", parse_time(node.get("_updated"))
        with one_record(page.dead_letters, key, source, label, updated) as one:
            plan, problems = plan_purchase_order(
                node, class_attribute=setup.class_attribute, expense_attribute=setup.expense_attribute
            )
        if one.failed:
            continue
        if plan is None:
            page.dead_letters.append(DeadLetter(key, source, f"{label}: " + "; ".join(problems), None, updated))
        else:
            plans.append(plan)
    fresh, held = page.sort_out(ledger, PO_INTEGRATION, plans, retry_dead=retry_dead)
    await names.fill(
        qbo,
        vendors=[p.supplier for p in fresh + held],
        classes=[line.class_name for p in fresh + held for line in p.lines if line.class_name],
        accounts=[line.expense_account for p in fresh + held for line in p.lines if line.expense_account],
    )
    for plan in held:  # dead letters of earlier runs still out of sync: listed again, not re-kept
        page.out_of_sync += out_of_sync_problems(plan, names)
    for plan in fresh:
        rows = out_of_sync_problems(plan, names)
        if rows:
            missing = "; ".join(
                f"{r['what']} {r['ION value']!r}"
                + (f" (line {r['line']})" if r["line"] else "")
                + (f": {r['fix']}" if r["ION value"] in names.refused else "")
                for r in rows
            )
            reason = f"{plan.label} is out of sync with QuickBooks, nothing was written: no QuickBooks match for {missing}"
            page.dead_letters.append(DeadLetter(plan.key, plan.source_ref, reason, None, plan.updated))
            page.out_of_sync += rows
        else:
            with one_record(page.dead_letters, plan.key, plan.source_ref, plan.label, plan.updated):
                page.ready.append(
                    Postable(
                        plan.key,
                        plan.source_ref,
                        plan.label,
                        po_body(plan, ids, names),
                        posted_row(plan),
                        plan.updated,
                        record=plan,
                    )
                )
    return page


def po_body(plan: PurchaseOrderPlan, ids: SetupIds, names: NameCache) -> dict[str, Any]:
    """The PO's body with the ids QuickBooks has for its names so far (an item still to be created
    has no id yet: `PurchaseOrderWriter.prepare` builds the body again once it exists)."""
    return purchase_order_body(
        plan,
        ids,
        vendor_id=names.vendors.get(plan.supplier) or "",
        items={line.item: str((names.items.get(line.item) or {}).get("Id", "")) for line in plan.lines if line.item},
        accounts={name: i for name, i in names.accounts.items() if i},
        classes={name: i for name, i in names.classes.items() if i},
    )


def posted_row(plan: PurchaseOrderPlan) -> dict[str, Any]:
    """Its line in the "posted" table (the engine adds the QuickBooks id)."""
    return {
        "purchase order": plan.po_id,
        "doc number": plan.doc_number,
        "vendor": plan.supplier,
        "currency": plan.currency or "",
        "lines": len(plan.lines),
        "fees": len(plan.fees),
        "total": round(sum(line.amount for line in plan.lines) + sum(f.amount for f in plan.fees), 2),
    }


def would_post_row(item: Postable) -> dict[str, Any]:
    return {**item.row, "quickbooks id": "(dry run)", "body": item.body}


class PurchaseOrderWriter(Writer):
    """POs, one per `write`, keyed by requestid and DocNumber. `prepare` creates the items the
    page's lines need (a PO whose item QuickBooks refused is not sent) and reads the POs already
    under these document numbers; `find` is the PO with this document number whose PrivateNote
    carries this version."""

    integration = PO_INTEGRATION
    target = "QuickBooks"
    id_column = "quickbooks id"

    def __init__(self, qbo: QuickBooksClient, names: NameCache, ids: SetupIds, run_key: str) -> None:
        self.qbo = qbo
        self.names = names
        self.ids = ids
        self.run_key = run_key
        self.existing: dict[str, dict[str, Any] | None] = {}  # doc number -> the PO QuickBooks holds, None: none

    async def prepare(self, items: Sequence[Postable]) -> Mapping[str, Exception]:
        """The prerequisite writes: the items the claimed POs' lines need, 30 to a batch; a PO with an
        item QuickBooks refused is not sent. Then the POs already under their document numbers."""
        plans: list[PurchaseOrderPlan] = [item.record for item in items]
        wanted = {
            line.item: (line.part_number or "", line.item_description)
            for plan in plans
            for line in plan.lines
            if line.item is not None
        }
        try:
            item_errors = await ensure_items(self.qbo, self.names, self.ids, wanted, self.run_key)
            await self._read_existing([p.doc_number for p in plans])
        except TransientError as exc:
            return {item.key: exc for item in items}
        problems: dict[str, Exception] = {}
        for item, plan in zip(items, plans, strict=True):
            failed = {line.item: item_errors[line.item] for line in plan.lines if line.item in item_errors}
            transient = next((e for e in failed.values() if isinstance(e, TransientError)), None)
            if transient is not None:
                problems[item.key] = transient
            elif failed:
                detail = "; ".join(f"{name!r}: {error}" for name, error in failed.items())
                problems[item.key] = DataError(f"nothing was written: it refused the item(s) its lines need: {detail}")
            else:
                item.body.update(po_body(plan, self.ids, self.names))  # the new items' ids
        return problems

    async def find(self, claim: Claim) -> str | None:
        doc_number, version = claim.key.removeprefix("ion:purchaseOrder:").split("@", 1)
        if doc_number not in self.existing:
            await self._read_existing([doc_number])
        po = self.existing[doc_number]
        return str(po["Id"]) if po is not None and f"{DIGEST_MARK} {version}" in str(po.get("PrivateNote") or "") else None

    async def write(self, items: Sequence[Postable]) -> list[str | Exception]:
        item = items[0]
        plan: PurchaseOrderPlan = item.record
        return [await upsert_purchase_order(self.qbo, plan, item.body, self.existing.get(plan.doc_number))]

    async def _read_existing(self, doc_numbers: list[str]) -> None:
        found = await self.qbo.find_by("PurchaseOrder", "DocNumber", doc_numbers)
        self.existing.update({doc: found.get(doc) for doc in doc_numbers})


async def upsert_purchase_order(
    qbo: QuickBooksClient, plan: PurchaseOrderPlan, body: dict[str, Any], existing: dict[str, Any] | None, *, again: bool = True
) -> str:
    """Create the PO, or bring the one with this document number to this version. A version
    QuickBooks already holds (its marker in PrivateNote) is adopted without writing."""
    if existing is not None:
        if plan.marker in str(existing.get("PrivateNote") or ""):
            return str(existing["Id"])
        updated = await qbo.update("PurchaseOrder", existing, lambda current: purchase_order_update(current, body), key=plan.key)
        return str(updated["Id"])
    try:
        created = await qbo.save("PurchaseOrder", body, requestid=request_id(plan.key, "create"))
        return str(created["Id"])
    except DataError as exc:
        if exc.code != DUPLICATE_DOC_NUMBER or not again:
            raise
        found = (await qbo.find_by("PurchaseOrder", "DocNumber", [plan.doc_number])).get(plan.doc_number)
        if found is None:
            raise
        return await upsert_purchase_order(qbo, plan, body, found, again=False)
