"""3-way match rules: per PO line, ordered vs received vs item-receipted vs billed, for any ERP.

Seed 002, "The 3-way match: the canonical AP control loop": a vendor invoice is paid only when
the PO, the item receipt and the bill agree, and ION's job is to make the item receipt real.
`match_lines` compares, for every ERP purchase-order line, what was ordered, what ION's
receipts say arrived (joined through the ION PO's attribute that holds the ERP's PO number
and the line attribute that holds its line number: the durable join keys, named in the
mappings file), what the ERP's item receipts and vendor bills say, and names every way they
disagree. Pure pandas; the flags name the ERP.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import pandas as pd

from connectors.ion.models.purchase_orders import PurchaseOrder
from core.config import ErpMappings
from core.quantities import QUANTITY_DECIMALS

ERP_LINE_COLUMNS = ["po_id", "po", "line", "item", "ordered", "ordered_rate", "closed"]
DOCUMENT_LINE_COLUMNS = ["po_id", "line", "quantity", "amount"]
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
    erp: str  # the ERP's name, as the report says it: "NetSuite"
    rows: pd.DataFrame  # one row per PO line either side knows, with status and flags
    unlinked_ion_pos: list[str]  # ION POs whose ERP PO number is not a PO of this report

    @property
    def flagged(self) -> pd.DataFrame:
        return self.rows[self.rows["status"] == "mismatch"]


ION_LINE_COLUMNS = ["po", "line_attr", "ion_item", "ion_line", "ion_status", "received_ion"]


def ion_line_rows(orders: Iterable[PurchaseOrder], mappings: ErpMappings) -> list[tuple[Any, ...]]:
    """ION PO lines keyed by the ERP's PO number and line number (the join keys), as
    ION_LINE_COLUMNS tuples: what the match needs of a page of POs, so the models need not be kept."""
    keys = mappings.purchasing
    rows = []
    for order in orders:
        number = order.attribute(keys.po_number_attribute)
        if not number:
            continue  # an ION-authored PO: not part of the ERP loop
        for line in order.purchaseOrderLines:
            rows.append(
                (
                    number.strip(),
                    (line.attribute(keys.line_number_attribute) or "").strip() or None,
                    mappings.item_name(line.part.partNumber) if line.part else None,
                    line.id,
                    line.status,
                    line.received,
                )
            )
    return rows


def join_ion_lines(erp_lines: pd.DataFrame, ion: pd.DataFrame) -> pd.DataFrame:
    """Give each ION line the ERP line it belongs to: by the line-number attribute, else by
    item when exactly one line of that PO carries it. Unmatched ION lines keep line None."""
    ion = ion.copy()
    ion["line"] = ion["line_attr"]
    by_item = erp_lines.groupby(["po", "item"])["line"].agg(list).to_dict()
    missing = ion["line"].isna()
    ion.loc[missing, "line"] = [
        (lambda found: found[0] if len(found) == 1 else None)(by_item.get((po, item), []))
        for po, item in zip(ion.loc[missing, "po"], ion.loc[missing, "ion_item"], strict=True)
    ]
    return ion


def match_lines(
    erp_lines: pd.DataFrame,
    receipts: pd.DataFrame,
    bills: pd.DataFrame,
    ion: pd.DataFrame,
    mappings: ErpMappings,
    *,
    erp: str,
) -> MatchResult:
    """Compare the four quantities per PO line and say how they disagree.

    erp_lines: ERP_LINE_COLUMNS. receipts and bills: DOCUMENT_LINE_COLUMNS (one row per
    document line). ion: ION_LINE_COLUMNS (`ion_line_rows`). `erp` names the ERP in the flags.
    """
    tolerance = mappings.three_way_match.quantity_tolerance
    rate_tolerance = mappings.three_way_match.rate_tolerance
    receipted = receipts.groupby(["po_id", "line"], as_index=False)["quantity"].sum()
    receipted = receipted.rename(columns={"quantity": "item_receipted"})
    billed = bills.groupby(["po_id", "line"], as_index=False)[["quantity", "amount"]].sum()
    billed = billed.rename(columns={"quantity": "billed", "amount": "billed_amount"})
    joined = join_ion_lines(erp_lines, ion)
    on_erp = set(zip(erp_lines["po"].tolist(), erp_lines["line"].tolist(), strict=True))
    keys = zip(joined["po"].tolist(), joined["line"].tolist(), strict=True)
    matched = pd.Series([key in on_erp for key in keys], index=joined.index, dtype=bool)
    received = (
        joined[matched]
        .groupby(["po", "line"], as_index=False)
        .agg(received_ion=("received_ion", "sum"), ion_item=("ion_item", "first"), ion_lines=("ion_line", "count"))
    )
    rows = erp_lines.merge(receipted, on=["po_id", "line"], how="left").merge(billed, on=["po_id", "line"], how="left")
    rows = rows.merge(received, on=["po", "line"], how="left")
    for column in ("item_receipted", "billed", "billed_amount"):
        rows[column] = rows[column].fillna(0.0)
    rows["billed_rate"] = (rows["billed_amount"] / rows["billed"].where(rows["billed"] > 0)).round(QUANTITY_DECIMALS)
    # plain values column by column: itertuples over pandas' own arrays cost more than the rules
    lines = map(_Line._make, zip(*(rows[column].tolist() for column in _Line._fields), strict=True))
    flags = [_flags(line, tolerance, rate_tolerance, erp) for line in lines]
    rows["flags"] = ["; ".join(f) for f in flags]
    rows["status"] = [
        "mismatch" if f else ("awaiting bill" if billed == 0 else "match")
        for f, billed in zip(flags, rows["billed"], strict=True)
    ]
    known_pos = set(erp_lines["po"])
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
                            f"ION line {r.ion_line} ({r.ion_item}) matches no line of {erp} {r.po}"
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
    return MatchResult(erp=erp, rows=rows[COLUMNS], unlinked_ion_pos=unlinked)


class _Line(NamedTuple):
    """What the rules read of one PO line."""

    item: Any
    ordered: Any
    ordered_rate: Any
    closed: Any
    item_receipted: Any
    billed: Any
    billed_rate: Any
    received_ion: Any
    ion_item: Any


def _flags(row: _Line, tolerance: float, rate_tolerance: float, erp: str) -> list[str]:
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
            flags.append(f"item differs: ION line is {row.ion_item}, {erp} line is {row.item}")
        if received < ordered - tolerance:
            flags.append(
                f"short receipt: ION received {q(received)} of {q(ordered)} ordered" + (" (line closed)" if row.closed else "")
            )
        elif received > ordered + tolerance:
            flags.append(f"over-receipt: ION received {q(received)}, {q(ordered)} ordered")
        if differs(received, receipted):
            flags.append(f"item receipts differ from ION: {erp} item receipts total {q(receipted)}, ION received {q(received)}")
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
