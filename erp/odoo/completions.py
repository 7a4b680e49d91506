"""Odoo's production completions behind the ERP port (`erp.port.completions.CompletionTarget`).

A completed ION run is its manufacturing order (`mrp.production`, named by the run attribute as
NetSuite's work order is) marked done: `qty_producing` = what ION produced (and the finished
lot/serial as `lot_producing_id`), each component's raw move given move lines with ION's
as-built consumption per location and lot (components the BoM lacks are added as raw moves,
BoM components ION did not use get none), then `button_mark_done`, answering the consumption
warning (ION's consumption is the truth) and the backorder question (the rest stays open)
[ODOO-MRP], [ODOO-MRP-CONSUMPTION], [ODOO-MRP-BACKORDER].

Without the Manufacturing app there is no `mrp.production`: the adapter offers no completions
(README "Odoo", the flow stops with one ConfigError). ion-sync does not turn consumption into an
inventory adjustment instead: that would author stock moves the ERP owns (DESIGN invariant 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from connectors.errors import DataError
from connectors.ion.models.runs import CompletedRun
from connectors.odoo import OdooClient, OdooFields
from core.config import erp_integration
from core.writer import Postable, Writer, one_record
from erp.odoo.bindings import bind, bound, done_record, land, verified
from erp.odoo.references import chunks, many2one_id, product_ids
from erp.odoo.wizards import press
from erp.port.completions import INTEGRATION, CompletionPlan, plan_completions
from erp.port.terms import ErpTerms
from erp.port.writes import PlannedWrites
from ledger import Claim
from ledger.store import DeadLetter

OPEN = {"confirmed", "progress", "to_close"}  # mrp.production states that can be marked done [ODOO-MRP]


@dataclass(frozen=True)
class Consumed:
    product_id: int
    location_id: int
    lot_id: int | None
    quantity: float


@dataclass(frozen=True)
class OdooCompletion:
    production_id: int
    product_id: int
    quantity: float
    lot: str | None  # the finished lot/serial
    consumed: tuple[Consumed, ...]


class OdooCompletions:
    """The port's completion plans (`plan_completions` with the `odoo:` mappings), Odoo's ids
    resolved; a run Odoo cannot take is a dead letter saying why."""

    def __init__(self, odoo: OdooClient, mappings: Any) -> None:
        self.odoo = odoo
        self.terms = ErpTerms.of("Odoo", "odoo", mappings)

    async def plan(self, runs: Sequence[CompletedRun]) -> PlannedWrites:
        planned = plan_completions(runs, self.terms)
        page = PlannedWrites(dead_letters=planned.dead_letters)
        if planned.plans:
            await self.resolve(planned.plans, page)
        return page

    async def resolve(self, plans: Sequence[CompletionPlan], page: PlannedWrites) -> None:
        codes = {p.item for p in plans} | {c.item for p in plans for c in p.components}
        products = await product_ids(self.odoo, codes)
        productions = await self._productions({p.work_order for p in plans})
        lots = await self._lots({(c.item, n) for p in plans for c in p.components for n, _ in c.numbers}, products)
        for plan in plans:
            source = f"ion:run:{plan.run_id}"
            mo = productions.get(plan.work_order)
            reasons = []
            if mo is None:
                reasons.append(
                    f"no Odoo manufacturing order named {plan.work_order}: create or confirm it in Odoo (ion-sync never authors MOs), then replay"
                )
            elif mo["state"] not in OPEN | {"done"}:  # a done MO: this run's own completion, or the writer says whose
                reasons.append(f"Odoo manufacturing order {plan.work_order} is '{mo['state']}': it cannot be completed")
            missing = sorted({code for code in {plan.item, *(c.item for c in plan.components)} if code not in products})
            reasons += [
                f"Odoo has no product with Internal Reference {code}: add it or map the part under items" for code in missing
            ]
            if mo is not None and plan.item in products and many2one_id(mo["product_id"]) != products[plan.item]["id"]:
                reasons.append(f"Odoo manufacturing order {plan.work_order} makes another product than {plan.item}")
            reasons += [
                f"Odoo has no lot/serial {number} of {c.item}"
                for c in plan.components
                for number, _ in c.numbers
                if c.item in products and (c.item, number) not in lots
            ]
            if reasons or mo is None:
                page.dead_letters.append(
                    DeadLetter(plan.key, source, f"{plan.label}: " + "; ".join(reasons), None, plan.end_time)
                )
                continue
            with one_record(page.dead_letters, plan.key, source, plan.label, plan.end_time):
                consumed = tuple(
                    Consumed(products[c.item]["id"], int(c.location), lots.get((c.item, number)) if number else None, quantity)
                    for c in plan.components
                    for number, quantity in (c.numbers or ((None, c.quantity),))
                )
                record = OdooCompletion(
                    int(mo["id"]),
                    products[plan.item]["id"],
                    plan.quantity,
                    plan.numbers[0][0] if plan.numbers else None,
                    consumed,
                )
                body = {
                    "production": plan.work_order,
                    "qty_producing": plan.quantity,
                    "lot": record.lot,
                    "consumed": [vars(c) for c in consumed],
                }
                row = {
                    "run": plan.run_id,
                    "manufacturing order": plan.work_order,
                    "product": plan.item,
                    "quantity": plan.quantity,
                    "components": len(plan.components),
                }
                page.ready.append(Postable(plan.key, source, plan.label, body, row, plan.end_time, record))

    def writer(self) -> Writer:
        return CompletionWriter(self.odoo)

    async def _productions(self, names: set[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for chunk in chunks(names):
            for row in await self.odoo.search_read("mrp.production", [["name", "in", chunk]], ["name", "state", "product_id"]):
                found[str(row["name"])] = row
        return found

    async def _lots(self, wanted: set[tuple[str, str]], products: dict[str, dict[str, Any]]) -> dict[tuple[str, str], int]:
        by_product = {products[code]["id"]: code for code, _ in wanted if code in products}
        found: dict[tuple[str, str], int] = {}
        for chunk in chunks({number for _, number in wanted}):
            rows = await self.odoo.search_read(
                "stock.lot", [["name", "in", chunk], ["product_id", "in", sorted(by_product)]], ["name", "product_id"]
            )
            for row in rows:
                code = by_product.get(many2one_id(row["product_id"]) or 0)
                if code and (code, str(row["name"])) in wanted:
                    found[(code, str(row["name"]))] = int(row["id"])
        return found


class CompletionWriter(Writer):
    """Bind the key to the MO, set what was produced and consumed, mark it done (wizards answered).
    Idempotent: every attempt first asks whether the key's MO is done (`land`)."""

    integration = erp_integration(INTEGRATION, "odoo")  # its own ledger namespace, beside NetSuite's
    target = "Odoo"
    idempotent = True

    def __init__(self, odoo: OdooClient) -> None:
        self.odoo = odoo
        self.fields = OdooFields(odoo.version)

    async def find(self, claim: Claim) -> str | None:
        found = await done_record(self.odoo, claim.key, "mrp.production")
        return str(found) if found is not None else None

    async def write(self, items: Sequence[Postable]) -> list[str | Exception]:
        item = items[0]
        return [str(await land(self.odoo, item.key, "mrp.production", lambda: self._complete(item)))]

    async def _complete(self, item: Postable) -> int:
        completion: OdooCompletion = item.record
        production = await bound(self.odoo, item.key, "mrp.production") or completion.production_id
        [mo] = await self.odoo.search_read("mrp.production", [["id", "=", production]], ["name", "state", "location_src_id"])
        if mo["state"] not in OPEN:  # done by someone else (this key's own completion was found by `land`)
            raise DataError(f"{item.label}: Odoo manufacturing order {mo['name']} is '{mo['state']}': it cannot be completed")
        await bind(self.odoo, item.key, "mrp.production", production)
        raw = await self.odoo.search_read(
            "stock.move",
            [["raw_material_production_id", "=", production], ["state", "not in", ["done", "cancel"]]],
            ["product_id", "location_dest_id"],
        )
        by_product = {many2one_id(m["product_id"]): m for m in raw}
        consumed_at = await self._production_location(raw)
        per_product: dict[int, list[Consumed]] = {}
        for consumed in completion.consumed:
            per_product.setdefault(consumed.product_id, []).append(consumed)
        commands: list[Any] = []
        for product_id, lines in per_product.items():
            move_lines = [
                [
                    0,
                    0,
                    {
                        "product_id": product_id,
                        "location_id": c.location_id,
                        "location_dest_id": consumed_at,
                        **({"lot_id": c.lot_id} if c.lot_id else {}),
                        **self.fields.line(c.quantity),
                    },
                ]
                for c in lines
            ]
            values = {"move_line_ids": [[5, 0, 0], *move_lines], **({"picked": True} if self.fields.picks else {})}
            move = by_product.get(product_id)
            if move is not None:
                commands.append([1, move["id"], values])
            else:
                total = round(sum(c.quantity for c in lines), 6)
                source = many2one_id(mo["location_src_id"])
                commands.append(
                    [
                        0,
                        0,
                        {
                            "name": "ION as-built",
                            "product_id": product_id,
                            "product_uom_qty": total,
                            "location_id": source,
                            "location_dest_id": consumed_at,
                            **values,
                        },
                    ]
                )
        commands += [
            [1, m["id"], {"move_line_ids": [[5, 0, 0]], **self.fields.done(0.0)}]
            for pid, m in by_product.items()
            if pid not in per_product
        ]
        production_values: dict[str, Any] = {"qty_producing": completion.quantity, "move_raw_ids": commands}
        if completion.lot:
            production_values["lot_producing_id"] = await self._finished_lot(completion)
        await verified(
            lambda: self.odoo.write("mrp.production", [production], production_values),
            lambda: self._produced_set(production, completion),
        )
        await press(self.odoo, "mrp.production", "button_mark_done", [production], item.label)
        return production

    async def _produced_set(self, production: int, completion: OdooCompletion) -> bool:
        """Whether the MO holds what was produced and consumed (a lost answer to setting them)."""
        [mo] = await self.odoo.search_read("mrp.production", [["id", "=", production]], ["qty_producing"])
        raw = await self.odoo.search_read(
            "stock.move", [["raw_material_production_id", "=", production]], ["product_id", "move_line_ids"]
        )
        lines = await self.odoo.search_read(
            "stock.move.line",
            [["id", "in", [i for m in raw for i in m.get("move_line_ids") or []]]],
            ["product_id", self.fields.line_done],
        )
        consumed: dict[int, float] = {}
        for line in lines:
            product = many2one_id(line["product_id"]) or 0
            consumed[product] = consumed.get(product, 0.0) + float(line.get(self.fields.line_done) or 0)
        wanted: dict[int, float] = {}
        for c in completion.consumed:
            wanted[c.product_id] = wanted.get(c.product_id, 0.0) + c.quantity
        return abs(float(mo["qty_producing"] or 0) - completion.quantity) < 1e-6 and all(
            abs(consumed.get(p, 0.0) - q) < 1e-6 for p, q in wanted.items()
        )

    async def _production_location(self, raw: list[dict[str, Any]]) -> int:
        """Where components go when consumed: the raw moves' destination, else the production location."""
        for move in raw:
            if (location := many2one_id(move.get("location_dest_id"))) is not None:
                return location
        [row] = await self.odoo.search_read("stock.location", [["usage", "=", "production"]], ["id"], limit=1, order="id")
        return int(row["id"])

    async def _finished_lot(self, completion: OdooCompletion) -> int:
        """The produced lot/serial: found by name, else created (a retry finds the one created before)."""
        domain = [["name", "=", completion.lot], ["product_id", "=", completion.product_id]]
        rows = await self.odoo.search_read(self.fields.lot_model, domain, ["id"], limit=1)
        if not rows:
            values = {"name": completion.lot, "product_id": completion.product_id}

            async def created() -> bool:
                return bool(await self.odoo.search_read(self.fields.lot_model, domain, ["id"], limit=1))

            await verified(lambda: self.odoo.create(self.fields.lot_model, values), created)
            rows = await self.odoo.search_read(self.fields.lot_model, domain, ["id"], limit=1)
        return int(rows[0]["id"])
