"""Odoo's receipts behind the ERP port (`erp.port.receipts.ReceiptTarget`).

An ION receipt against an Odoo PO is the PO's open incoming transfer (`stock.picking`, created by
confirming the PO [ODOO-PURCHASE]) validated with the quantities ION received: per PO line, the
transfer's move (`purchase_line_id`) gets move lines with the done quantity, the destination
location and the lot or serial (`lot_name`, created at validation [ODOO-LOT]); then
`button_validate`, answering its wizards (a partial receipt creates the backorder, so the rest
stays open [ODOO-BACKORDER]). Over-receipts and lines Odoo does not have are dead letters
before anything is written. Findable through the ledger key bound to the transfer (bindings.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.errors import DataError, TransientError
from connectors.odoo import OdooClient, OdooFields
from core.config import erp_integration
from core.writer import Postable, Writer, one_record
from erp.odoo.bindings import MODULE, bind, bound, done_record, land, unbind, verified
from erp.odoo.references import OdooPo, many2one_id, product_ids, purchase_orders
from erp.odoo.wizards import press
from erp.port.receipts import INTEGRATION, JoinKeys, ParsedReceipts, ReceiptLines, line_problems, parse_receipts
from erp.port.terms import ErpTerms
from erp.port.writes import PlannedWrites
from ledger import Claim
from ledger.store import DeadLetter

RECEIVABLE = {"purchase", "done"}  # confirmed or locked POs still receive [ODOO-PURCHASE]; INFERENCE for locked


@dataclass(frozen=True)
class ReceivedMove:
    """What one PO line received: the move lines to give its move in the open transfer."""

    purchase_line_id: int
    product_id: int
    quantity: float
    location_id: int
    lots: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class OdooReceipt:
    po_id: int
    lines: tuple[ReceivedMove, ...]


def problems(receipt: ReceiptLines, po: OdooPo | None, terms: ErpTerms, taken: dict[tuple[Any, int], float]) -> list[str]:
    """What Odoo's side says is wrong (the PO's state, then each line: erp.port.receipts.line_problems)."""
    if po is None:
        return [f"Odoo has no purchase order {receipt.po_number}"]
    if po.state not in RECEIVABLE:
        return [f"Odoo PO {po.name} is in state '{po.state}': only confirmed POs can be received"]
    return line_problems(receipt, terms, po.id, po.name, dict(po.lines), taken)


class OdooReceipts:
    """`mappings`: the `odoo:` section (items, locations, purchasing join keys)."""

    def __init__(self, odoo: OdooClient, mappings: Any) -> None:
        self.odoo = odoo
        self.items: dict[str, str] = dict(mappings.items)
        self.terms = ErpTerms.of("Odoo", "odoo", mappings)
        purchasing = mappings.purchasing
        self.locks: dict[int, asyncio.Lock] = {}  # per PO: its receipts validate one after the other
        self._join_keys = JoinKeys(po_number=purchasing.po_number_attribute, line_number=purchasing.line_number_attribute)

    @property
    def join_keys(self) -> JoinKeys:
        return self._join_keys

    def lines(self, receipts: Sequence[dict[str, Any]]) -> ParsedReceipts:
        return parse_receipts(receipts, self.terms)

    async def plan(self, receipts: Sequence[ReceiptLines]) -> PlannedWrites:
        pos = {po.name: po for po in await purchase_orders(self.odoo, [["name", "in", sorted({r.po_number for r in receipts})]])}
        codes = {self.items.get(line.part_number, line.part_number) for r in receipts for line in r.lines.values()}
        products = await product_ids(self.odoo, codes)
        planned = PlannedWrites()
        taken: dict[tuple[Any, int], float] = {}
        for receipt in sorted(receipts, key=lambda r: (r.received_at or datetime.min, r.receipt_id)):
            po = pos.get(receipt.po_number)
            found = problems(receipt, po, self.terms, taken)
            if found or po is None:
                planned.dead_letters.append(
                    DeadLetter(receipt.key, receipt.source_ref, f"{receipt.label}: " + "; ".join(found), None, receipt.created)
                )
                continue
            for number, line in receipt.lines.items():
                taken[(po.id, number)] = taken.get((po.id, number), 0.0) + line.quantity
            with one_record(planned.dead_letters, receipt.key, receipt.source_ref, receipt.label, receipt.created):
                moves = tuple(
                    ReceivedMove(
                        purchase_line_id=po.lines[number].id,
                        product_id=products[self.items.get(line.part_number, line.part_number)]["id"],
                        quantity=line.quantity,
                        location_id=int(line.location),
                        lots=tuple(line.lots.items()) + tuple((serial, 1.0) for serial in line.serials),
                    )
                    for number, line in sorted(receipt.lines.items())
                )
                record = OdooReceipt(po.id, moves)
                body = {"purchase_order": po.name, "lines": [vars(m) | {"lots": dict(m.lots)} for m in moves]}
                row = {
                    "receipt": receipt.receipt_id,
                    "Odoo PO": po.name,
                    "lines": ", ".join(
                        f"{n}: {line.part_number} × {line.quantity:g}" for n, line in sorted(receipt.lines.items())
                    ),
                }
                planned.ready.append(Postable(receipt.key, receipt.source_ref, receipt.label, body, row, receipt.created, record))
        return planned

    def writer(self) -> Writer:
        return ReceiptWriter(self.odoo, self.locks)


class ReceiptWriter(Writer):
    """Bind the key to the PO's open transfer, give its moves the received move lines, validate.
    Idempotent: every attempt first asks whether the key's transfer is done (`land`)."""

    integration = erp_integration(INTEGRATION, "odoo")  # its own ledger namespace, beside NetSuite's
    target = "Odoo"
    idempotent = True

    def __init__(self, odoo: OdooClient, locks: dict[int, asyncio.Lock]) -> None:
        self.odoo = odoo
        self.fields = OdooFields(odoo.version)
        self.locks = locks

    async def find(self, claim: Claim) -> str | None:
        found = await done_record(self.odoo, claim.key, "stock.picking")
        return str(found) if found is not None else None

    async def write(self, items: Sequence[Postable]) -> list[str | Exception]:
        item = items[0]
        async with self.locks.setdefault(item.record.po_id, asyncio.Lock()):  # one open transfer per PO at a time
            return [str(await land(self.odoo, item.key, "stock.picking", lambda: self._receive(item)))]

    async def _receive(self, item: Postable) -> int:
        receipt: OdooReceipt = item.record
        picking = await bound(self.odoo, item.key, "stock.picking") or await self._open_picking(receipt, item.label)
        picking = await bind(self.odoo, item.key, "stock.picking", picking)
        try:
            await self._validate(item, receipt, picking)
        except DataError:
            await unbind(self.odoo, item.key, "stock.picking")  # release the transfer for the PO's other receipts
            raise
        return picking

    async def _validate(self, item: Postable, receipt: OdooReceipt, picking: int) -> None:
        moves = await self.odoo.search_read(
            "stock.move",
            [["picking_id", "=", picking], ["state", "not in", ["done", "cancel"]]],
            ["purchase_line_id", "location_id"],
        )
        by_line = {many2one_id(m.get("purchase_line_id")): m for m in moves}
        commands = []
        for line in receipt.lines:
            move = by_line.get(line.purchase_line_id)
            if move is None:
                raise DataError(f"{item.label}: the open Odoo transfer {picking} has no move for PO line {line.purchase_line_id}")
            lots = line.lots or ((None, line.quantity),)
            move_lines = [
                [
                    0,
                    0,
                    {
                        "product_id": line.product_id,
                        "location_id": many2one_id(move["location_id"]),
                        "location_dest_id": line.location_id,
                        **({"lot_name": lot} if lot else {}),
                        **self.fields.line(quantity),
                    },
                ]
                for lot, quantity in lots
            ]
            commands.append(
                [1, move["id"], {"move_line_ids": [[5, 0, 0], *move_lines], **({"picked": True} if self.fields.picks else {})}]
            )
        await verified(
            lambda: self.odoo.write("stock.picking", [picking], {"move_ids": commands}),
            lambda: self._quantities_set(picking, receipt),
        )
        await press(self.odoo, "stock.picking", "button_validate", [picking], item.label)

    async def _quantities_set(self, picking: int, receipt: OdooReceipt) -> bool:
        """Whether the transfer's moves hold the received quantities (a lost answer to setting them)."""
        moves = await self.odoo.search_read("stock.move", [["picking_id", "=", picking]], ["purchase_line_id", "move_line_ids"])
        line_ids = [i for m in moves for i in m.get("move_line_ids") or []]
        lines = await self.odoo.search_read("stock.move.line", [["id", "in", line_ids]], ["move_id", self.fields.line_done])
        done: dict[int, float] = {}
        for line in lines:
            move = many2one_id(line["move_id"]) or 0
            done[move] = done.get(move, 0.0) + float(line.get(self.fields.line_done) or 0)
        by_line = {many2one_id(m.get("purchase_line_id")): m["id"] for m in moves}
        return all(abs(done.get(by_line.get(r.purchase_line_id, -1), 0.0) - r.quantity) < 1e-6 for r in receipt.lines)

    async def _open_picking(self, receipt: OdooReceipt, label: str) -> int:
        rows = await self.odoo.search_read(
            "stock.picking",
            [
                ["purchase_id", "=", receipt.po_id],
                ["picking_type_id.code", "=", "incoming"],
                ["state", "not in", ["done", "cancel"]],
            ],
            ["id"],
            order="id",
            limit=1,
        )
        if not rows:
            raise DataError(f"{label}: the Odoo PO has no open receipt (every incoming transfer is done or cancelled)")
        held = await self.odoo.search_read(
            "ir.model.data",
            [["module", "=", MODULE], ["model", "=", "stock.picking"], ["res_id", "=", int(rows[0]["id"])]],
            ["name"],
        )
        if held:  # another ION receipt's write stopped half-way on it: it resumes first
            raise TransientError(
                f"{label}: the PO's open receipt is held by {held[0]['name']}, not finished yet: tried again next run"
            )
        return int(rows[0]["id"])
