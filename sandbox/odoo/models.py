"""The models and fields the simulator serves, per Odoo version (sources: SOURCES.md "Models").

Only what ion-sync and its tests touch; every other model or field is unknown here, as a
missing app's model is unknown in Odoo.
"""

from __future__ import annotations

from sandbox.odoo.orm import Field

F = Field
M2O = "many2one"


def schema(version: int, mrp: bool) -> dict[str, dict[str, Field]]:
    """`stock.move.quantity`/`picked` from 17, `quantity_done`/`qty_done` before [ODOO-STOCK-16/17];
    `stock.immediate.transfer` only before 17; `mrp.*` only with the Manufacturing app."""
    done = {"quantity": F("float"), "picked": F("boolean")} if version >= 17 else {"quantity_done": F("float")}
    line_done = {"quantity": F("float"), "picked": F("boolean")} if version >= 17 else {"qty_done": F("float")}
    stamps = {"create_date": F("datetime", readonly=True), "write_date": F("datetime", readonly=True)}
    models: dict[str, dict[str, Field]] = {
        "ir.model.data": {
            "module": F("char", required=True),
            "name": F("char", required=True),
            "model": F("char", required=True),
            "res_id": F("integer"),
            "noupdate": F("boolean"),
            **stamps,
        },
        "ir.module.module": {"name": F("char"), "state": F("selection"), "latest_version": F("char")},
        "ir.model": {"model": F("char"), "name": F("char")},
        "res.users": {"name": F("char"), "login": F("char"), **stamps},
        "res.currency": {"name": F("char")},
        "account.payment.term": {"name": F("char")},
        "res.partner": {
            "name": F("char", required=True),
            "email": F("char"),
            "is_company": F("boolean"),
            "supplier_rank": F("integer"),
            "property_supplier_payment_term_id": F(M2O, "account.payment.term"),
            "active": F("boolean"),
            **stamps,
        },
        "uom.uom": {"name": F("char")},
        "product.product": {
            "name": F("char", required=True),
            "default_code": F("char"),
            "tracking": F("selection"),
            "type": F("selection"),
            "uom_id": F(M2O, "uom.uom"),
            "active": F("boolean"),
        },
        "stock.location": {
            "name": F("char"),
            "complete_name": F("char"),
            "usage": F("selection"),
            "active": F("boolean"),
            "location_id": F(M2O, "stock.location"),
        },
        "stock.picking.type": {"name": F("char"), "code": F("selection"), "use_create_lots": F("boolean")},
        "stock.lot": {"name": F("char", required=True), "product_id": F(M2O, "product.product", required=True), **stamps},
        "stock.quant": {
            "product_id": F(M2O, "product.product"),
            "location_id": F(M2O, "stock.location"),
            "lot_id": F(M2O, "stock.lot"),
            "quantity": F("float", readonly=True),
        },
        "purchase.order": {
            "name": F("char"),
            "partner_id": F(M2O, "res.partner"),
            "state": F("selection", readonly=True),
            "date_order": F("datetime"),
            "date_planned": F("datetime"),
            "currency_id": F(M2O, "res.currency"),
            "payment_term_id": F(M2O, "account.payment.term"),
            "notes": F("html"),
            "order_line": F("one2many", "purchase.order.line", "order_id"),
            "picking_ids": F("one2many", "stock.picking", "purchase_id"),
            "receipt_status": F("selection", readonly=True),
            **stamps,
        },
        "purchase.order.line": {
            "order_id": F(M2O, "purchase.order"),
            "sequence": F("integer"),
            "name": F("char"),
            "product_id": F(M2O, "product.product"),
            "product_qty": F("float"),
            "price_unit": F("float"),
            "date_planned": F("datetime"),
            "qty_received": F("float", readonly=True),
            "qty_invoiced": F("float", readonly=True),
            **stamps,
        },
        "stock.picking": {
            "name": F("char"),
            "origin": F("char"),
            "state": F("selection", readonly=True),
            "picking_type_id": F(M2O, "stock.picking.type"),
            "purchase_id": F(M2O, "purchase.order"),
            "partner_id": F(M2O, "res.partner"),
            "location_id": F(M2O, "stock.location"),
            "location_dest_id": F(M2O, "stock.location"),
            "backorder_id": F(M2O, "stock.picking"),
            "move_ids": F("one2many", "stock.move", "picking_id"),
            "move_line_ids": F("one2many", "stock.move.line", "picking_id"),
            "date_done": F("datetime", readonly=True),
            **stamps,
        },
        "stock.move": {
            "name": F("char"),
            "picking_id": F(M2O, "stock.picking"),
            "product_id": F(M2O, "product.product"),
            "product_uom_qty": F("float"),
            **done,
            "state": F("selection", readonly=True),
            "location_id": F(M2O, "stock.location"),
            "location_dest_id": F(M2O, "stock.location"),
            "purchase_line_id": F(M2O, "purchase.order.line"),
            "move_line_ids": F("one2many", "stock.move.line", "move_id"),
            **(
                {"raw_material_production_id": F(M2O, "mrp.production"), "production_id": F(M2O, "mrp.production")} if mrp else {}
            ),
        },
        "stock.move.line": {
            "move_id": F(M2O, "stock.move"),
            "picking_id": F(M2O, "stock.picking"),
            "product_id": F(M2O, "product.product"),
            "lot_id": F(M2O, "stock.lot"),
            "lot_name": F("char"),
            **line_done,
            "location_id": F(M2O, "stock.location"),
            "location_dest_id": F(M2O, "stock.location"),
        },
        "hr.employee": {"name": F("char"), "work_email": F("char"), "active": F("boolean")},
        "project.project": {"name": F("char"), "active": F("boolean")},
        "project.task": {"name": F("char"), "project_id": F(M2O, "project.project")},
        "account.analytic.line": {
            "name": F("char", required=True),
            "date": F("date"),
            "unit_amount": F("float"),
            "project_id": F(M2O, "project.project"),
            "task_id": F(M2O, "project.task"),
            "employee_id": F(M2O, "hr.employee"),
            **stamps,
        },
        "stock.backorder.confirmation": {"pick_ids": F("many2many", "stock.picking")},
    }
    if version < 17:
        models["stock.immediate.transfer"] = {"pick_ids": F("many2many", "stock.picking")}
    if mrp:
        models |= {
            "mrp.production": {
                "name": F("char"),
                "state": F("selection", readonly=True),
                "product_id": F(M2O, "product.product"),
                "product_qty": F("float"),
                "qty_producing": F("float"),
                "lot_producing_id": F(M2O, "stock.lot"),
                "consumption": F("selection", readonly=True),
                "location_src_id": F(M2O, "stock.location"),
                "location_dest_id": F(M2O, "stock.location"),
                "backorder_sequence": F("integer", readonly=True),
                "move_raw_ids": F("one2many", "stock.move", "raw_material_production_id"),
                "move_finished_ids": F("one2many", "stock.move", "production_id"),
                "date_finished": F("datetime", readonly=True),
                **stamps,
            },
            "mrp.production.backorder": {"mrp_production_ids": F("many2many", "mrp.production")},
            "mrp.consumption.warning": {"mrp_production_ids": F("many2many", "mrp.production")},
        }
    return models
