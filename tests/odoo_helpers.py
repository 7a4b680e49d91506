"""What landed in the Odoo simulator, read from its admin routes (never through the adapter):
the records a ledger key is bound to (`ir.model.data`, module `ion_sync`), their quantities."""

from __future__ import annotations

import re
from typing import Any

from tests.world import World


def records(world: World, model: str) -> list[dict[str, Any]]:
    return list(world.admin("odoo", "GET", f"records/{model}")["items"])


def bound(world: World, key: str, model: str) -> list[int]:
    """The ids of `model` records the ledger key is bound to (one, or none)."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", key)
    return [
        r["res_id"] for r in records(world, "ir.model.data") if (r["module"], r["name"], r["model"]) == ("ion_sync", name, model)
    ]


def done_quantities(world: World, key: str, model: str, field: str) -> list[dict[str, float]]:
    """Per done record bound to `key`: the quantity of its moves' lines per product code
    (`field`: the moves' link to the record, `picking_id` or `raw_material_production_id`)."""
    codes = {p["id"]: p["default_code"] for p in records(world, "product.product")}
    parents = {r["id"]: r for r in records(world, model)}
    moves = records(world, "stock.move")
    lines = records(world, "stock.move.line")
    found = []
    for record_id in bound(world, key, model):
        if parents[record_id]["state"] != "done":
            continue
        quantities: dict[str, float] = {}
        for move in moves:
            if move.get(field) != record_id or move.get("state") != "done":
                continue
            for line in (ln for ln in lines if ln.get("move_id") == move["id"]):
                code = codes[line["product_id"]]
                quantities[code] = round(quantities.get(code, 0.0) + float(line.get("quantity", line.get("qty_done")) or 0), 6)
        found.append(quantities)
    return found


def landed_keys(world: World, model: str) -> list[str]:
    """The external-id names of every done `model` record ion-sync bound (one per key it wrote)."""
    done = {r["id"] for r in records(world, model) if r.get("state") == "done"}
    return [
        r["name"]
        for r in records(world, "ir.model.data")
        if r["module"] == "ion_sync" and r["model"] == model and r["res_id"] in done
    ]
