"""Odoo's public methods as ion-sync calls them: the generic ORM ones and the business ones
(receipt validation with its wizards, manufacturing order completion with its wizards).
Every rule cites its source in SOURCES.md ("Methods")."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.odoo.config import OdooSimConfig
from sandbox.odoo.models import schema
from sandbox.odoo.orm import OdooException, Orm, now, user_error, value_error

# @api.model methods: called without ids [ODOO-JSON2] ("Empty or omitted when calling an @api.model-decorated method")
MODEL_METHODS = frozenset({"search", "search_read", "search_count", "create", "fields_get", "context_get", "name_search", "load"})
READS = frozenset({"search", "search_read", "search_count", "read", "fields_get", "context_get", "name_search"})


@dataclass
class Odoo:
    """One database: its records and what its methods do with them."""

    config: OdooSimConfig
    orm: Orm = field(init=False)
    deprecated_rpc_calls: int = 0  # Odoo 19 logs a deprecation warning per JSON-RPC call [N8N-21545]

    def __post_init__(self) -> None:
        self.orm = Orm(schema(self.config.version, self.config.mrp_installed))

    @property
    def done_field(self) -> str:
        return "quantity" if self.config.version >= 17 else "quantity_done"

    @property
    def line_field(self) -> str:
        return "quantity" if self.config.version >= 17 else "qty_done"

    # -- dispatch -------------------------------------------------------------------------------

    def call(self, model: str, method: str, ids: list[int] | None, kwargs: dict[str, Any], context: dict[str, Any]) -> Any:
        """`env[model].with_context(context).browse(ids).method(**kwargs)`; a bad signature is a TypeError
        as Python raises it (JSON-2 answers it 422 [ODOO-JSON2-CTRL])."""
        self.orm.model(model)
        handler = self._handler(model, method)
        if method in MODEL_METHODS and ids:
            raise OdooException("werkzeug.exceptions.UnprocessableEntity", f"cannot call {model}.{method} with ids")
        try:
            inspect.signature(handler).bind(**kwargs)
        except TypeError as exc:
            raise OdooException("werkzeug.exceptions.UnprocessableEntity", str(exc)) from None
        self._context = context
        self._ids = list(ids or [])
        self._model = model
        return handler(**kwargs)

    def _handler(self, model: str, method: str) -> Callable[..., Any]:
        business = BUSINESS.get((model, method))
        if business is not None:
            return getattr(self, business)
        if method in GENERIC:
            return getattr(self, f"orm_{method}")
        raise OdooException("werkzeug.exceptions.NotFound", f"The method {method!r} does not exist on the model {model!r}")

    # -- generic ORM ----------------------------------------------------------------------------

    def orm_search_read(
        self,
        domain: list[Any] | None = None,
        fields: list[str] | None = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
    ) -> list[dict[str, Any]]:
        if self.config.page_limit and (limit is None or limit > self.config.page_limit):
            limit = self.config.page_limit
        return self.orm.read(self._model, self.orm.search(self._model, domain or [], order, limit, offset), fields)

    def orm_search(
        self, domain: list[Any] | None = None, offset: int = 0, limit: int | None = None, order: str | None = None
    ) -> list[int]:
        return self.orm.search(self._model, domain or [], order, limit, offset)

    def orm_search_count(self, domain: list[Any] | None = None) -> int:
        return len(self.orm.search(self._model, domain or []))

    def orm_read(self, fields: list[str] | None = None, load: str | None = "_classic_read") -> list[dict[str, Any]]:
        return self.orm.read(self._model, self._ids, fields)

    def orm_create(self, vals_list: list[dict[str, Any]] | dict[str, Any]) -> list[int] | int:
        single = isinstance(vals_list, dict)
        rows: list[dict[str, Any]] = [vals_list] if isinstance(vals_list, dict) else list(vals_list)
        created = []
        for values in rows:
            defaults = {key.removeprefix("default_"): value for key, value in self._context.items() if key.startswith("default_")}
            known = self.orm.model(self._model)
            values = {**{k: v for k, v in defaults.items() if k in known}, **values}
            if self._model == "ir.model.data":
                self._check_xmlid(values)
            created.append(self.orm.create(self._model, values))
        return created[0] if single else created

    def orm_write(self, vals: dict[str, Any]) -> bool:
        if self._model == "stock.picking" or self._model == "mrp.production":
            for record_id in self._ids:
                state = self.orm.table(self._model)[record_id].get("state") if record_id in self.orm.table(self._model) else None
                if state in ("done", "cancel"):
                    raise user_error(
                        f"You cannot modify a {'transfer' if self._model == 'stock.picking' else 'manufacturing order'} that is {state}."
                    )
        self.orm.write(self._model, self._ids, vals)
        return True

    def orm_unlink(self) -> bool:
        self.orm.unlink(self._model, self._ids)
        return True

    def orm_fields_get(self, allfields: list[str] | None = None, attributes: list[str] | None = None) -> dict[str, Any]:
        spec = self.orm.model(self._model)
        names = allfields or list(spec)
        return {name: {"type": spec[name].type, "relation": spec[name].relation or False} for name in names if name in spec}

    def orm_context_get(self) -> dict[str, Any]:
        return {"lang": "en_US", "tz": "UTC", "uid": self.config.uid}

    def orm_load(self, fields: list[str], data: list[list[Any]]) -> dict[str, Any]:
        """Import rows [ODOO-LOAD]: column `id` is an external id (`module.name`; an existing one
        updates its record), `<field>/.id` a database id; errors come back as messages, nothing saved."""
        spec = self.orm.model(self._model)
        planned: list[tuple[str | None, dict[str, Any]]] = []
        messages: list[dict[str, Any]] = []
        for index, row in enumerate(data):
            values: dict[str, Any] = {}
            external = None
            for column, raw in zip(fields, row, strict=True):
                if column == "id":
                    external = str(raw) if raw else None
                    continue
                name = column.removesuffix("/.id")
                if name not in spec:
                    messages.append(
                        {
                            "type": "error",
                            "message": f"Unknown field {column!r}",
                            "field": name,
                            "rows": {"from": index, "to": index},
                        }
                    )
                    continue
                if column.endswith("/.id"):
                    target = int(raw) if raw not in ("", None, False) else False
                    if target and target not in self.orm.table(spec[name].relation or ""):
                        messages.append(
                            {
                                "type": "error",
                                "message": f"No matching record found for database id '{raw}' in field '{name}'",
                                "field": name,
                                "rows": {"from": index, "to": index},
                            }
                        )
                        continue
                    values[name] = target
                else:
                    values[name] = raw
            planned.append((external, values))
        if messages:
            return {"ids": False, "messages": messages}
        ids = []
        for external, values in planned:
            module, _, name = (external or "").partition(".")
            existing = (
                self.orm.search("ir.model.data", [["module", "=", module], ["name", "=", name], ["model", "=", self._model]])
                if external
                else []
            )
            if existing:
                record_id = self.orm.table("ir.model.data")[existing[0]]["res_id"]
                self.orm.write(self._model, [record_id], values)
            else:
                record_id = self.orm.create(self._model, values)
                if external:
                    self.orm.create("ir.model.data", {"module": module, "name": name, "model": self._model, "res_id": record_id})
            ids.append(record_id)
        return {"ids": ids, "messages": []}

    def _check_xmlid(self, values: dict[str, Any]) -> None:
        """(module, name) is unique [ODOO-IMD]; an existing one answers an IntegrityError-like ValidationError."""
        if self.orm.search("ir.model.data", [["module", "=", values.get("module")], ["name", "=", values.get("name")]]):
            raise OdooException(
                "odoo.exceptions.ValidationError", f"External ID {values.get('module')}.{values.get('name')} already exists"
            )
        if values.get("model") not in self.orm.schema or values.get("res_id") not in self.orm.table(str(values.get("model"))):
            raise value_error(f"res_id {values.get('res_id')} of {values.get('model')} does not exist")

    # -- receipts: stock.picking.button_validate and its wizards ------------------------------

    def button_validate(self) -> Any:
        pickings = [self.orm.table("stock.picking")[i] for i in self._ids]
        for picking in pickings:
            if picking["state"] in ("done", "cancel"):
                raise user_error(f"The transfer {picking['name']} is {picking['state']}: it cannot be validated again.")
        todo = {p["id"]: self._moves(p) for p in pickings}
        if all(self._move_done(m) <= 0 for moves in todo.values() for m in moves):
            if self.config.version < 17 and not self._context.get("skip_immediate"):
                return self._wizard("stock.immediate.transfer", "Immediate Transfer?", pickings)
            raise user_error("You cannot validate a transfer if no quantities are reserved nor done.")
        for moves in todo.values():
            self._check_lots(moves, incoming=True)
        if not self._context.get("skip_backorder") and any(
            self._move_done(m) < m["product_uom_qty"] - 1e-9 for moves in todo.values() for m in moves
        ):
            return self._wizard("stock.backorder.confirmation", "Create Backorder?", pickings)
        no_backorder = set(self._context.get("picking_ids_not_to_backorder") or [])
        for picking in pickings:
            self._done_picking(picking, backorder=picking["id"] not in no_backorder)
        return True

    def _wizard(self, model: str, name: str, pickings: list[dict[str, Any]]) -> dict[str, Any]:
        """The action `button_validate` returns for a wizard [ODOO-STOCK-PICKING] `_action_generate_backorder_wizard`."""
        ids = [p["id"] for p in pickings]
        context = {
            **self._context,
            "button_validate_picking_ids": ids,
            "default_pick_ids": [[4, i] for i in ids],
            "default_show_transfers": False,
        }
        return {
            "name": name,
            "type": "ir.actions.act_window",
            "view_mode": "form",
            "res_model": model,
            "target": "new",
            "context": context,
        }

    def backorder_process(self) -> Any:
        return self._validate_from_wizard({"skip_backorder": True})

    def backorder_cancel(self) -> Any:
        picks = self._context.get("button_validate_picking_ids") or []
        return self._validate_from_wizard({"skip_backorder": True, "picking_ids_not_to_backorder": picks})

    def immediate_process(self) -> Any:
        for wizard_id in self._ids:
            for picking_id in self.orm.table("stock.immediate.transfer")[wizard_id].get("pick_ids") or []:
                for move in self._moves(self.orm.table("stock.picking")[picking_id]):
                    move[self.done_field] = move["product_uom_qty"]
        return self._validate_from_wizard({"skip_immediate": True})

    def _validate_from_wizard(self, extra: dict[str, Any]) -> Any:
        picks = self._context.get("button_validate_picking_ids")
        if not picks:
            return True
        self._context = {**self._context, **extra}
        self._ids, self._model = list(picks), "stock.picking"
        return self.button_validate()

    def _moves(self, picking: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            m
            for m in self.orm.table("stock.move").values()
            if m.get("picking_id") == picking["id"] and m.get("state") != "cancel"
        ]

    def _lines(self, move: dict[str, Any]) -> list[dict[str, Any]]:
        return [line for line in self.orm.table("stock.move.line").values() if line.get("move_id") == move["id"]]

    def _move_done(self, move: dict[str, Any]) -> float:
        """The done quantity: the sum of its move lines when it has some, else its own field [ODOO-STOCK-16/17]."""
        lines = self._lines(move)
        if lines:
            return float(sum(line.get(self.line_field) or 0.0 for line in lines))
        return float(move.get(self.done_field) or 0.0)

    def _check_lots(self, moves: list[dict[str, Any]], *, incoming: bool) -> None:
        for move in moves:
            product = self.orm.table("product.product")[move["product_id"]]
            if product.get("tracking", "none") == "none" or self._move_done(move) <= 0:
                continue
            lines = self._lines(move)
            missing = not lines or any(not line.get("lot_id") and not (incoming and line.get("lot_name")) for line in lines)
            if missing:
                raise user_error(f"You need to supply a Lot/Serial number for product: {product['name']}.")
            if product["tracking"] == "serial" and any(abs((line.get(self.line_field) or 0) - 1) > 1e-9 for line in lines):
                raise user_error(f"You can only process 1.0 Units of products with unique serial number ({product['name']}).")

    def _done_picking(self, picking: dict[str, Any], *, backorder: bool) -> None:
        remaining: list[tuple[dict[str, Any], float]] = []
        for move in self._moves(picking):
            done = self._move_done(move)
            if done < move["product_uom_qty"] - 1e-9:
                remaining.append((move, move["product_uom_qty"] - done))
            if done <= 0:
                move["state"] = "cancel"
                continue
            self._apply_move(move, done, incoming=True)
            if move.get("purchase_line_id"):
                line = self.orm.table("purchase.order.line")[move["purchase_line_id"]]
                line["qty_received"] = round(line.get("qty_received", 0.0) + done, 6)
        picking.update(state="done", date_done=now(), write_date=now())
        if backorder and remaining:
            self._backorder_picking(picking, remaining)
        if picking.get("purchase_id"):
            self._receipt_status(picking["purchase_id"])

    def _backorder_picking(self, picking: dict[str, Any], remaining: list[tuple[dict[str, Any], float]]) -> None:
        """The rest stays open in a new picking whose `backorder_id` is the validated one [ODOO-STOCK-PICKING] `_create_backorder`."""
        count = len(self.orm.search("stock.picking", [["backorder_id", "=", picking["id"]]]))
        copied = {
            k: picking.get(k)
            for k in ("origin", "picking_type_id", "purchase_id", "partner_id", "location_id", "location_dest_id")
        }
        new = self.orm.create(
            "stock.picking", {**copied, "name": f"{picking['name']}-BO{count + 1}", "backorder_id": picking["id"]}
        )
        self.orm.write("stock.picking", [new], {"state": "assigned"}, system=True)
        for move, quantity in remaining:
            values = {k: move.get(k) for k in ("name", "product_id", "location_id", "location_dest_id", "purchase_line_id")}
            move_id = self.orm.create("stock.move", {**values, "picking_id": new, "product_uom_qty": round(quantity, 6)})
            self.orm.write("stock.move", [move_id], {"state": "assigned"}, system=True)
            if move["state"] != "cancel":
                move["product_uom_qty"] = round(move["product_uom_qty"] - quantity, 6)

    def _receipt_status(self, po_id: int) -> None:
        po = self.orm.table("purchase.order")[po_id]
        lines = [line for line in self.orm.table("purchase.order.line").values() if line.get("order_id") == po_id]
        received = [line.get("qty_received", 0.0) for line in lines]
        full = all(line.get("qty_received", 0.0) >= line["product_qty"] - 1e-9 for line in lines)
        po["receipt_status"] = "full" if full else "partial" if any(received) else "pending"
        po["write_date"] = now()

    def _apply_move(self, move: dict[str, Any], done: float, *, incoming: bool) -> None:
        """Quants move from source to destination, per move line (lot, location) [ODOO-QUANT]."""
        lines = self._lines(move) or [
            {"location_id": move["location_id"], "location_dest_id": move["location_dest_id"], self.line_field: done}
        ]
        for line in lines:
            quantity = float(line.get(self.line_field) or 0.0)
            lot = line.get("lot_id") or (
                self._lot_for(move["product_id"], line["lot_name"]) if incoming and line.get("lot_name") else False
            )
            line["lot_id"] = lot
            self._quant(move["product_id"], line.get("location_id") or move["location_id"], lot, -quantity)
            self._quant(move["product_id"], line.get("location_dest_id") or move["location_dest_id"], lot, quantity)
        move[self.done_field] = done
        move["state"] = "done"

    def _lot_for(self, product_id: int, name: str) -> int:
        found = self.orm.search("stock.lot", [["product_id", "=", product_id], ["name", "=", name]])
        return found[0] if found else self.orm.create("stock.lot", {"name": name, "product_id": product_id})

    def _quant(self, product_id: int, location_id: int, lot_id: int | bool, quantity: float) -> None:
        """Only internal locations hold quants (INFERENCE: stock.quant on other usages is not read by ion-sync)."""
        location = self.orm.table("stock.location")[location_id]
        if location.get("usage") != "internal" or not quantity:
            return
        found = self.orm.search(
            "stock.quant", [["product_id", "=", product_id], ["location_id", "=", location_id], ["lot_id", "=", lot_id or False]]
        )
        if found:
            quant = self.orm.table("stock.quant")[found[0]]
            quant["quantity"] = round(quant["quantity"] + quantity, 6)
        else:
            quant_id = self.orm.create(
                "stock.quant", {"product_id": product_id, "location_id": location_id, "lot_id": lot_id or False}
            )
            self.orm.table("stock.quant")[quant_id]["quantity"] = round(quantity, 6)

    # -- manufacturing: mrp.production.button_mark_done and its wizards ------------------------

    def button_mark_done(self) -> Any:
        productions = [self.orm.table("mrp.production")[i] for i in self._ids]
        for mo in productions:
            if mo["state"] in ("done", "cancel"):
                raise user_error(f"The manufacturing order {mo['name']} is {mo['state']}.")
            if (mo.get("qty_producing") or 0) <= 0:
                raise user_error(f"The quantity to produce must be positive! ({mo['name']})")
            product = self.orm.table("product.product")[mo["product_id"]]
            if product.get("tracking", "none") != "none" and not mo.get("lot_producing_id"):
                raise user_error(f"You need to supply a Lot/Serial number for the final product {product['name']}.")
            self._check_lots(self._raw(mo), incoming=False)
        if not self._context.get("skip_consumption"):
            off = [mo for mo in productions if mo.get("consumption", "flexible") != "flexible" and self._consumption_differs(mo)]
            if off:
                return self._mo_wizard("mrp.consumption.warning", "Consumption Warning", off)
        if not self._context.get("skip_backorder"):
            short = [mo for mo in productions if mo["qty_producing"] < mo["product_qty"] - 1e-9]
            if short:
                return self._mo_wizard("mrp.production.backorder", "You produced less than initial demand", short)
        backorder = set(self._context.get("mo_ids_to_backorder") or [])
        for mo in productions:
            self._done_production(mo, backorder=mo["id"] in backorder)
        return True

    def _mo_wizard(self, model: str, name: str, productions: list[dict[str, Any]]) -> dict[str, Any]:
        ids = [mo["id"] for mo in productions]
        context = {**self._context, "default_mrp_production_ids": [[4, i] for i in ids], "button_mark_done_production_ids": ids}
        return {
            "name": name,
            "type": "ir.actions.act_window",
            "view_mode": "form",
            "res_model": model,
            "target": "new",
            "context": context,
        }

    def consumption_confirm(self) -> Any:
        """`action_confirm`: mark done keeping the consumption as set [ODOO-MRP-CONSUMPTION]; strict BoMs
        block it (INFERENCE: the wizard hides the button; `consumption` switch)."""
        productions = self._wizard_productions("mrp.consumption.warning")
        if any(mo.get("consumption") == "strict" for mo in productions):
            raise user_error("The consumption of these manufacturing orders is strict: it must match the bill of materials.")
        return self._mark_done_again(productions, {"skip_consumption": True})

    def backorder_action(self) -> Any:
        """`action_backorder`: done, with a backorder MO for the rest [ODOO-MRP-BACKORDER]."""
        productions = self._wizard_productions("mrp.production.backorder")
        return self._mark_done_again(
            productions, {"skip_backorder": True, "mo_ids_to_backorder": [mo["id"] for mo in productions]}
        )

    def close_mo(self) -> Any:
        return self._mark_done_again(self._wizard_productions("mrp.production.backorder"), {"skip_backorder": True})

    def _wizard_productions(self, model: str) -> list[dict[str, Any]]:
        ids = [i for w in self._ids for i in self.orm.table(model)[w].get("mrp_production_ids") or []]
        return [self.orm.table("mrp.production")[i] for i in ids]

    def _mark_done_again(self, productions: list[dict[str, Any]], extra: dict[str, Any]) -> Any:
        self._context = {k: v for k, v in {**self._context, **extra}.items() if k != "default_mrp_production_ids"}
        self._ids, self._model = [mo["id"] for mo in productions], "mrp.production"
        return self.button_mark_done()

    def _raw(self, mo: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            m
            for m in self.orm.table("stock.move").values()
            if m.get("raw_material_production_id") == mo["id"] and m.get("state") != "cancel"
        ]

    def _consumption_differs(self, mo: dict[str, Any]) -> bool:
        ratio = mo["qty_producing"] / mo["product_qty"]
        return any(abs(self._move_done(m) - m["product_uom_qty"] * ratio) > 1e-6 for m in self._raw(mo))

    def _done_production(self, mo: dict[str, Any], *, backorder: bool) -> None:
        for move in self._raw(mo):
            done = self._move_done(move)
            if done > 0:
                self._apply_move(move, done, incoming=False)
            else:
                move["state"] = "cancel"
        self._quant(mo["product_id"], mo["location_dest_id"], mo.get("lot_producing_id") or False, mo["qty_producing"])
        rest = round(mo["product_qty"] - mo["qty_producing"], 6)
        if backorder and rest > 0:
            sequence = (mo.get("backorder_sequence") or 1) + 1
            values = {k: mo.get(k) for k in ("product_id", "location_src_id", "location_dest_id")}
            new = self.orm.create(
                "mrp.production", {**values, "name": f"{mo['name']}-{sequence:03d}", "product_qty": rest, "qty_producing": 0.0}
            )
            self.orm.write(
                "mrp.production",
                [new],
                {"state": "confirmed", "consumption": mo.get("consumption"), "backorder_sequence": sequence},
                system=True,
            )
        mo.update(product_qty=mo["qty_producing"], state="done", date_finished=now(), write_date=now())


GENERIC = {"search_read", "search", "search_count", "read", "create", "write", "unlink", "fields_get", "context_get", "load"}
BUSINESS: dict[tuple[str, str], str] = {
    ("stock.picking", "button_validate"): "button_validate",
    ("stock.backorder.confirmation", "process"): "backorder_process",
    ("stock.backorder.confirmation", "process_cancel_backorder"): "backorder_cancel",
    ("stock.immediate.transfer", "process"): "immediate_process",
    ("mrp.production", "button_mark_done"): "button_mark_done",
    ("mrp.consumption.warning", "action_confirm"): "consumption_confirm",
    ("mrp.production.backorder", "action_backorder"): "backorder_action",
    ("mrp.production.backorder", "action_close_mo"): "close_mo",
}
