"""The 3-way match: per PO line, ordered vs received vs item-receipted vs billed, read-only.

Seed 002, "The 3-way match: the canonical AP control loop": a vendor invoice is paid only when
the PO, the item receipt and the bill agree, and ION's job is to make the item receipt real.
This report shows, for every NetSuite purchase-order line,

- ordered: the NetSuite PO line (quantity, rate);
- received: what ION's receipts say arrived, joined through the ION PO's attribute that holds
  the NetSuite PO number and the line attribute that holds the NetSuite line number (the
  durable join keys; names in the mappings file);
- item-receipted: the NetSuite item receipts created from that PO line;
- billed: the NetSuite vendor bills created from it, if any;

and flags every line where they disagree, saying how. `match_lines` is the pure comparison
(pandas); the tasks read both sides and write the CSV and the artifacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from connectors.ion import IonClient
from connectors.ion.models.purchase_orders import PurchaseOrder
from connectors.ion.queries import MATCH_PURCHASE_ORDERS
from connectors.netsuite import NetSuiteClient
from core.config import NetSuiteMappings
from erp.netsuite.consumption import QUANTITY_DECIMALS
from tasks.reporting import MAX_TABLE_ROWS

INTEGRATION = "three-way-match"
SUITEQL_IN_CHUNK = 500
# Purchase orders not yet approved (P planned, A pending approval, C rejected) expect nothing.
UNAPPROVED_PO_STATUSES = {"P", "A", "C"}
CLOSED_PO_STATUSES = {"H"}
COLUMNS = [
    "po",
    "line",
    "item",
    "ordered",
    "ordered_rate",
    "received_ion",
    "item_receipted",
    "billed",
    "billed_rate",
    "status",
    "flags",
]


@dataclass
class MatchResult:
    rows: pd.DataFrame  # one row per PO line either side knows, with status and flags
    unlinked_ion_pos: list[str]  # ION POs whose NetSuite PO number is not a NetSuite PO

    @property
    def flagged(self) -> pd.DataFrame:
        return self.rows[self.rows["status"] == "mismatch"]


def _status_letter(value: Any) -> str:
    """SuiteQL may give `PurchOrd:B` or `B` (reference §1.3)."""
    return str(value or "").rsplit(":", 1)[-1]


def ion_lines_frame(orders: list[PurchaseOrder], mappings: NetSuiteMappings) -> pd.DataFrame:
    """ION PO lines keyed by NetSuite PO number and line number (the join keys)."""
    keys = mappings.purchasing
    rows = []
    for order in orders:
        number = order.attribute(keys.po_number_attribute)
        if not number:
            continue  # an ION-authored PO: not part of the NetSuite loop
        for line in order.purchaseOrderLines:
            rows.append(
                {
                    "po": number.strip(),
                    "line_attr": (line.attribute(keys.line_number_attribute) or "").strip() or None,
                    "ion_item": mappings.item_name(line.part.partNumber) if line.part else None,
                    "ion_line": line.id,
                    "ion_status": line.status,
                    "received_ion": line.received,
                }
            )
    return pd.DataFrame(rows, columns=["po", "line_attr", "ion_item", "ion_line", "ion_status", "received_ion"])


def join_ion_lines(netsuite_lines: pd.DataFrame, ion: pd.DataFrame) -> pd.DataFrame:
    """Give each ION line the NetSuite line it belongs to: by the line-number attribute, else by
    item when exactly one line of that PO carries it. Unmatched ION lines keep line None."""
    ion = ion.copy()
    ion["line"] = ion["line_attr"]
    by_item = netsuite_lines.groupby(["po", "item"])["line"].agg(list).to_dict()
    missing = ion["line"].isna()
    ion.loc[missing, "line"] = [
        (lambda found: found[0] if len(found) == 1 else None)(by_item.get((po, item), []))
        for po, item in zip(ion.loc[missing, "po"], ion.loc[missing, "ion_item"], strict=True)
    ]
    return ion


def match_lines(
    netsuite_lines: pd.DataFrame,
    receipts: pd.DataFrame,
    bills: pd.DataFrame,
    ion: pd.DataFrame,
    mappings: NetSuiteMappings,
) -> MatchResult:
    """Compare the four quantities per PO line and say how they disagree.

    netsuite_lines: po, po_id, line, item, ordered, ordered_rate, closed. receipts and bills:
    po_id, line, quantity, amount (one row per document line). ion: `ion_lines_frame`.
    """
    tolerance = mappings.three_way_match.quantity_tolerance
    rate_tolerance = mappings.three_way_match.rate_tolerance
    receipted = receipts.groupby(["po_id", "line"], as_index=False)["quantity"].sum()
    receipted = receipted.rename(columns={"quantity": "item_receipted"})
    billed = bills.groupby(["po_id", "line"], as_index=False)[["quantity", "amount"]].sum()
    billed = billed.rename(columns={"quantity": "billed", "amount": "billed_amount"})
    joined = join_ion_lines(netsuite_lines, ion)
    on_netsuite = set(zip(netsuite_lines["po"], netsuite_lines["line"], strict=True))
    matched = pd.Series([key in on_netsuite for key in zip(joined["po"], joined["line"], strict=True)], index=joined.index, dtype=bool)
    received = joined[matched].groupby(["po", "line"], as_index=False).agg(
        received_ion=("received_ion", "sum"), ion_item=("ion_item", "first"), ion_lines=("ion_line", "count")
    )
    rows = netsuite_lines.merge(receipted, on=["po_id", "line"], how="left").merge(billed, on=["po_id", "line"], how="left")
    rows = rows.merge(received, on=["po", "line"], how="left")
    for column in ("item_receipted", "billed", "billed_amount"):
        rows[column] = rows[column].fillna(0.0)
    rows["billed_rate"] = (rows["billed_amount"] / rows["billed"].where(rows["billed"] > 0)).round(QUANTITY_DECIMALS)
    flags = [_flags(row, tolerance, rate_tolerance) for row in rows.itertuples()]
    rows["flags"] = ["; ".join(f) for f in flags]
    rows["status"] = [
        "mismatch" if f else ("awaiting bill" if row.billed == 0 else "match") for f, row in zip(flags, rows.itertuples(), strict=True)
    ]
    known_pos = set(netsuite_lines["po"])
    extra = joined[~matched & joined["po"].isin(known_pos)]
    if not extra.empty:
        rows = pd.concat(
            [
                rows,
                pd.DataFrame(
                    {
                        "po": extra["po"],
                        "line": extra["line_attr"].fillna("?"),
                        "item": extra["ion_item"],
                        "received_ion": extra["received_ion"],
                        "status": "mismatch",
                        "flags": [
                            f"ION line {r.ion_line} ({r.ion_item}) matches no line of NetSuite {r.po}"
                            + (f" (line number {r.line_attr})" if r.line_attr else ", and has no line-number attribute")
                            for r in extra.itertuples()
                        ],
                    }
                ),
            ],
            ignore_index=True,
        )
    unlinked = sorted(set(ion["po"]) - known_pos)
    rows = rows.sort_values(["po", "line"], key=lambda s: s.astype(str).str.zfill(6)).reset_index(drop=True)
    return MatchResult(rows=rows[COLUMNS], unlinked_ion_pos=unlinked)


def _flags(row: Any, tolerance: float, rate_tolerance: float) -> list[str]:
    """How the four documents of one PO line disagree, in words; empty when they agree."""
    def differs(a: float, b: float) -> bool:
        return abs(a - b) > tolerance

    def q(value: float) -> str:
        return f"{value:g}"

    flags: list[str] = []
    ordered, receipted, billed = float(row.ordered), float(row.item_receipted), float(row.billed)
    if pd.isna(row.received_ion):
        flags.append("not in ION: no ION purchase-order line carries this PO and line, so nothing can be received against it")
        received = None
    else:
        received = float(row.received_ion)
        if isinstance(row.ion_item, str) and row.ion_item != row.item:
            flags.append(f"item differs: ION line is {row.ion_item}, NetSuite line is {row.item}")
        if received < ordered - tolerance:
            flags.append(f"short receipt: ION received {q(received)} of {q(ordered)} ordered" + (" (line closed)" if row.closed else ""))
        elif received > ordered + tolerance:
            flags.append(f"over-receipt: ION received {q(received)}, {q(ordered)} ordered")
        if differs(received, receipted):
            flags.append(f"item receipts differ from ION: NetSuite item receipts total {q(receipted)}, ION received {q(received)}")
    if receipted > ordered + tolerance:
        flags.append(f"item-receipted {q(receipted)}, more than the {q(ordered)} ordered")
    if billed > 0:
        if differs(billed, receipted):
            more = billed > receipted
            flags.append(
                f"billed {q(billed)} but item-receipted {q(receipted)}"
                + (" (paying for goods not received)" if more else " (received goods not yet billed)")
            )
        if billed > ordered + tolerance:
            flags.append(f"billed {q(billed)}, more than the {q(ordered)} ordered")
        if not pd.isna(row.billed_rate) and abs(float(row.billed_rate) - float(row.ordered_rate)) > rate_tolerance:
            flags.append(f"billed at {float(row.billed_rate):g} a unit, ordered at {float(row.ordered_rate):g}")
    return flags


@task(name="read-netsuite-purchasing", cache_policy=NO_CACHE)
async def read_netsuite_purchasing(
    netsuite: NetSuiteClient, po_numbers: list[str] | None, include_closed: bool
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """PO lines, and the item-receipt and vendor-bill lines created from them (SuiteQL)."""
    query = (
        "SELECT t.id AS po_id, t.tranid AS po, t.status AS status, t.trandate AS trandate, tl.id AS line, "
        "i.itemid AS item, tl.quantity AS ordered, tl.rate AS ordered_rate, tl.isclosed AS closed "
        "FROM transaction t JOIN transactionline tl ON tl.transaction = t.id AND tl.mainline = 'F' "
        "LEFT JOIN item i ON i.id = tl.item WHERE t.type = 'PurchOrd'"
    )
    if po_numbers:
        rows = []
        for start in range(0, len(po_numbers), SUITEQL_IN_CHUNK):
            chunk = po_numbers[start : start + SUITEQL_IN_CHUNK]
            rows += await netsuite.suiteql_all(f"{query} AND t.tranid IN ({', '.join('?' * len(chunk))})", chunk)
    else:
        rows = await netsuite.suiteql_all(query)
    skip = UNAPPROVED_PO_STATUSES | (set() if include_closed else CLOSED_PO_STATUSES)
    rows = [r for r in rows if _status_letter(r.get("status")) not in skip]
    lines = pd.DataFrame(rows, columns=["po_id", "po", "status", "trandate", "line", "item", "ordered", "ordered_rate", "closed"])
    lines["po_id"] = lines["po_id"].astype(str)
    lines["line"] = lines["line"].astype(str)
    for column in ("ordered", "ordered_rate"):
        lines[column] = pd.to_numeric(lines[column], errors="coerce").fillna(0.0)
    lines["closed"] = lines["closed"].isin(["T", True])
    po_ids = sorted(set(lines["po_id"]))
    receipts = await _lines_created_from(netsuite, "ItemRcpt", po_ids)
    bills = await _lines_created_from(netsuite, "VendBill", po_ids)
    return lines, receipts, bills


async def _lines_created_from(netsuite: NetSuiteClient, kind: str, po_ids: list[str]) -> pd.DataFrame:
    """The `kind` lines (ItemRcpt, VendBill) linked to these POs' lines. SuiteQL does not expose
    `transactionline.orderline`; the link from a receipt or bill line to its PO line is
    `previoustransactionlinelink` (previousdoc/previousline = PO and PO line, nextdoc/nextline =
    the receipt or bill line; see connectors.netsuite.suiteql_schema)."""
    rows: list[dict[str, Any]] = []
    for start in range(0, len(po_ids), SUITEQL_IN_CHUNK):
        chunk = po_ids[start : start + SUITEQL_IN_CHUNK]
        rows += await netsuite.suiteql_all(
            "SELECT l.previousdoc AS po_id, l.previousline AS line, tl.quantity AS quantity, tl.foreignamount AS amount "
            "FROM previoustransactionlinelink l "
            "JOIN transactionline tl ON tl.transaction = l.nextdoc AND tl.id = l.nextline "
            f"WHERE l.nexttype = '{kind}' AND l.previousdoc IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
    frame = pd.DataFrame(rows, columns=["po_id", "line", "quantity", "amount"])
    frame["po_id"] = frame["po_id"].astype(str)
    frame["line"] = frame["line"].astype(str)
    frame["quantity"] = pd.to_numeric(frame["quantity"], errors="coerce").fillna(0.0).abs()
    frame["amount"] = pd.to_numeric(frame["amount"], errors="coerce").fillna(0.0).abs()
    return frame


@task(name="read-ion-purchase-orders", cache_policy=NO_CACHE)
async def read_ion_purchase_orders(ion: IonClient) -> list[PurchaseOrder]:
    """Every ION purchase order with its lines and receipt items, page by page."""
    return [
        PurchaseOrder.model_validate(node)
        async for page in ion.pages(MATCH_PURCHASE_ORDERS, "purchaseOrders", {"filters": {}})
        for node in page.nodes
    ]


@task(name="publish-three-way-match", cache_policy=NO_CACHE)
def publish_match(result: MatchResult, reports_dir: Path) -> Path:
    """The CSV of every line, a table artifact of the flagged ones, and a summary."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    reports_dir.mkdir(parents=True, exist_ok=True)
    csv_path = reports_dir / f"{INTEGRATION}-{stamp}.csv"
    result.rows.to_csv(csv_path, index=False)
    flagged = result.flagged
    table: list[dict[str, Any]] = flagged.head(MAX_TABLE_ROWS).astype(object).where(flagged.notna(), None).to_dict("records")
    create_table_artifact(
        key=f"{INTEGRATION}-flagged",
        table=table or [{"result": "every PO line agrees: ordered, received, item-receipted and billed"}],
        description=f"PO lines whose PO, ION receipts, NetSuite item receipts and vendor bills disagree. All lines: {csv_path}",
    )
    counts = result.rows["status"].value_counts().to_dict()
    lines = [
        f"# 3-way match ({stamp})",
        "",
        "Read-only: nothing was written to ION or NetSuite.",
        "",
        "| status | PO lines |",
        "|---|---|",
        *(f"| {status} | {counts.get(status, 0)} |" for status in ("match", "awaiting bill", "mismatch")),
        "",
        f"{len(flagged)} of {len(result.rows)} lines flagged. CSV: `{csv_path}`.",
    ]
    if result.unlinked_ion_pos:
        lines += ["", "ION purchase orders naming a NetSuite PO that is not in this report: " + ", ".join(result.unlinked_ion_pos)]
    create_markdown_artifact(key=f"{INTEGRATION}-summary", markdown="\n".join(lines), description="3-way match summary")
    return csv_path
