"""The demo factory in Odoo (sandbox/README.md "Odoo simulator"): the NetSuite demo's items,
locations, balances, purchase orders, work orders and employees, with Odoo's ids and names."""

from __future__ import annotations

from typing import Any

from sandbox.odoo.methods import Odoo

VENDORS, STOCK_HQ, STOCK_LB, PRODUCTION = 5, 8, 20, 15
PRODUCTS = {  # id: (default_code, name, tracking): the NetSuite demo's items, same numbers
    501: ("ASSY-100", "Assembly Part One", "none"),
    502: ("COMP-200", "Component Part One", "none"),
    503: ("COMP-300", "Component Part Two", "none"),
    504: ("SAT-500", "Satellite modem", "serial"),
    505: ("RES-10", "Resistor kit", "lot"),
    506: ("MOD-20", "RF module", "serial"),
    507: ("BRACKET-0007", "Bracket", "none"),
    509: ("GLUE-1", "Epoxy, ml", "none"),
}
BALANCES = [  # (product, location, lot, quantity): NetSuite's demo balances
    (502, STOCK_HQ, None, 67.2),
    (502, STOCK_LB, None, 49.8),
    (503, STOCK_HQ, None, 100),
    (503, STOCK_LB, None, 40),
    (505, STOCK_LB, "L-2211", 100),
    (509, STOCK_HQ, None, 12),
    (509, STOCK_LB, None, 99.95),
    (507, STOCK_HQ, None, 50),
    *[(506, STOCK_LB, f"M-000{n}", 1) for n in range(1, 6)],
]
PURCHASE_ORDERS = [  # (id, name, vendor, state, lines: (product, ordered, price, invoiced))
    (1501, "PO5001", 301, "purchase", [(502, 100, 2.5, 100), (503, 50, 4.0, 0)]),
    (1502, "PO5002", 302, "purchase", [(505, 200, 0.1, 0), (507, 40, 1.2, 0)]),
    (1504, "PO5004", 301, "done", [(503, 10, 4.0, 10)]),
]
WORK_ORDERS = [  # (id, name, product, quantity, location, state, BoM components per unit)
    (2001, "WO1001", 501, 3, STOCK_HQ, "confirmed", {502: 2, 503: 1}),
    (2002, "WO1002", 504, 1, STOCK_LB, "confirmed", {}),
    (2003, "WO1003", 501, 2, STOCK_HQ, "progress", {502: 2, 503: 1}),
    (2004, "WO1004", 501, 1, STOCK_HQ, "confirmed", {}),
    (2005, "WO1005", 501, 1, STOCK_HQ, "confirmed", {}),
    (2006, "WO1006", 501, 1, STOCK_HQ, "confirmed", {}),
    (2007, "WO1007", 501, 1, STOCK_HQ, "confirmed", {}),
    (2009, "WO1009", 501, 2, STOCK_HQ, "confirmed", {}),
]


def seed(odoo: Odoo) -> None:
    orm = odoo.orm

    def put(model: str, record_id: int, values: dict[str, Any]) -> None:
        orm.next_id[model] = max(orm.next_id.get(model, 1), record_id)
        created = orm.create(model, {k: v for k, v in values.items() if not orm.model(model)[k].readonly})
        orm.write(model, [created], {k: v for k, v in values.items() if orm.model(model)[k].readonly}, system=True)

    modules = ["base", "purchase", "stock", "project", "hr_timesheet", *(["mrp"] if odoo.config.mrp_installed else [])]
    for index, name in enumerate(modules, 1):
        put("ir.module.module", index, {"name": name, "state": "installed", "latest_version": f"{odoo.config.version}.0.1.0"})
    for index, model in enumerate(sorted(orm.schema), 1):
        put("ir.model", index, {"model": model, "name": model})
    put("res.users", odoo.config.uid, {"name": "ion-sync", "login": odoo.config.username})
    put("res.currency", 1, {"name": "USD"})
    put("uom.uom", 1, {"name": "Units"})
    for term_id, name in ((2, "Net 30"), (3, "Net 45")):
        put("account.payment.term", term_id, {"name": name})
    for partner_id, name, email, term in (
        (301, "Acme Metals", "ap@acme-metals.example", 2),
        (302, "Orbital Parts", "billing@orbital-parts.example", 3),
    ):
        put(
            "res.partner",
            partner_id,
            {
                "name": name,
                "email": email,
                "is_company": True,
                "supplier_rank": 1,
                "property_supplier_payment_term_id": term,
                "active": True,
            },
        )
    for location_id, name, full, usage in (
        (1, "Physical Locations", "Physical Locations", "view"),
        (VENDORS, "Vendors", "Partners/Vendors", "supplier"),
        (STOCK_HQ, "Stock", "WH/Stock", "internal"),
        (PRODUCTION, "Production", "Virtual Locations/Production", "production"),
        (STOCK_LB, "Stock", "LB/Stock", "internal"),
    ):
        put("stock.location", location_id, {"name": name, "complete_name": full, "usage": usage, "active": True})
    put("stock.picking.type", 1, {"name": "Receipts", "code": "incoming", "use_create_lots": True})
    for product_id, (code, name, tracking) in PRODUCTS.items():
        put(
            "product.product",
            product_id,
            {"default_code": code, "name": name, "tracking": tracking, "type": "product", "uom_id": 1, "active": True},
        )
    for product_id, location_id, lot, quantity in BALANCES:
        lot_id = odoo._lot_for(product_id, lot) if lot else False
        odoo._quant(product_id, location_id, lot_id, quantity)
    for po_id, name, vendor, state, lines in PURCHASE_ORDERS:
        put(
            "purchase.order",
            po_id,
            {
                "name": name,
                "partner_id": vendor,
                "state": state,
                "currency_id": 1,
                "payment_term_id": False,
                "date_order": "2026-11-18 16:00:00",
                "receipt_status": "pending" if state == "purchase" else "full",
            },
        )
        picking = orm.create(
            "stock.picking",
            {
                "name": f"WH/IN/{po_id}",
                "origin": name,
                "picking_type_id": 1,
                "purchase_id": po_id,
                "partner_id": vendor,
                "location_id": VENDORS,
                "location_dest_id": STOCK_HQ,
            },
        )
        orm.write("stock.picking", [picking], {"state": "assigned" if state == "purchase" else "done"}, system=True)
        for sequence, (product_id, ordered, price, invoiced) in enumerate(lines, 1):
            line = orm.create(
                "purchase.order.line",
                {
                    "order_id": po_id,
                    "sequence": sequence * 10,
                    "name": PRODUCTS[product_id][1],
                    "product_id": product_id,
                    "product_qty": ordered,
                    "price_unit": price,
                    "date_planned": "2026-11-25 12:00:00",
                },
            )
            received = ordered if state == "done" else 0.0
            orm.write("purchase.order.line", [line], {"qty_received": received, "qty_invoiced": invoiced}, system=True)
            move = orm.create(
                "stock.move",
                {
                    "name": PRODUCTS[product_id][1],
                    "picking_id": picking,
                    "product_id": product_id,
                    "product_uom_qty": ordered,
                    "location_id": VENDORS,
                    "location_dest_id": STOCK_HQ,
                    "purchase_line_id": line,
                },
            )
            orm.write("stock.move", [move], {"state": "assigned" if state == "purchase" else "done"}, system=True)
    if odoo.config.mrp_installed:
        for mo_id, name, product_id, quantity, location_id, state, bom in WORK_ORDERS:
            put(
                "mrp.production",
                mo_id,
                {
                    "name": name,
                    "product_id": product_id,
                    "product_qty": quantity,
                    "qty_producing": 0.0,
                    "state": state,
                    "consumption": odoo.config.consumption,
                    "location_src_id": location_id,
                    "location_dest_id": location_id,
                    "backorder_sequence": 1,
                },
            )
            for component, per_unit in bom.items():
                move = orm.create(
                    "stock.move",
                    {
                        "name": PRODUCTS[component][1],
                        "product_id": component,
                        "product_uom_qty": per_unit * quantity,
                        "location_id": location_id,
                        "location_dest_id": PRODUCTION,
                        "raw_material_production_id": mo_id,
                    },
                )
                orm.write("stock.move", [move], {"state": "confirmed"}, system=True)
    for employee_id, name, email in ((401, "Alice Archer", "alice@factory.example"), (402, "Bob Baker", "bob@factory.example")):
        put("hr.employee", employee_id, {"name": name, "work_email": email, "active": True})
    put("project.project", 77, {"name": "Orbital Dynamics", "active": True})
    put("project.task", 78, {"name": "Production labor", "project_id": 77})


def bulk_product(odoo: Odoo, index: int) -> int:
    """`BULK-C<index, 2 digits>`, created when missing (as NetSuite's bulk items)."""
    code = f"BULK-C{index:02d}"
    found = odoo.orm.search("product.product", [["default_code", "=", code]])
    values = {
        "default_code": code,
        "name": f"Bulk component {index}",
        "tracking": "none",
        "type": "product",
        "uom_id": 1,
        "active": True,
    }
    return found[0] if found else odoo.orm.create("product.product", values)


def bulk_work_orders(odoo: Odoo, count: int) -> list[str]:
    """MOs `WO-B<6 digits>` (1 × ASSY-100 at WH/Stock, no BoM): the ION bulk runs' work orders."""
    for index in range(1, 21):
        bulk_product(odoo, index)
    names = []
    for i in range(1, count + 1):
        name = f"WO-B{i:06d}"
        mo = odoo.orm.create(
            "mrp.production",
            {
                "name": name,
                "product_id": 501,
                "product_qty": 1.0,
                "qty_producing": 0.0,
                "location_src_id": STOCK_HQ,
                "location_dest_id": STOCK_HQ,
            },
        )
        odoo.orm.write(
            "mrp.production", [mo], {"state": "confirmed", "consumption": "flexible", "backorder_sequence": 1}, system=True
        )
        names.append(name)
    return names


def bulk_purchase_orders(
    odoo: Odoo, count: int, lines_per_po: int = 1, quantity: float = 1.0, first_number: int = 1
) -> list[str]:
    """Confirmed POs `PO-B<6 digits>` of vendor 301, line k = `BULK-C<(k - 1) mod 20 + 1>` × quantity at 1,
    each with its open receipt into WH/Stock (as NetSuite's bulk POs)."""
    orm, names = odoo.orm, []
    for i in range(count):
        name = f"PO-B{first_number + i:06d}"
        if orm.search("purchase.order", [["name", "=", name]]):
            raise ValueError(f"a purchase order is already named {name}")
        po = orm.create(
            "purchase.order", {"name": name, "partner_id": 301, "currency_id": 1, "date_order": "2026-11-20 00:00:00"}
        )
        orm.write("purchase.order", [po], {"state": "purchase", "receipt_status": "pending"}, system=True)
        picking = orm.create(
            "stock.picking",
            {
                "name": f"WH/IN/B{first_number + i:06d}",
                "origin": name,
                "picking_type_id": 1,
                "purchase_id": po,
                "partner_id": 301,
                "location_id": VENDORS,
                "location_dest_id": STOCK_HQ,
            },
        )
        orm.write("stock.picking", [picking], {"state": "assigned"}, system=True)
        for k in range(1, lines_per_po + 1):
            product = bulk_product(odoo, (k - 1) % 20 + 1)
            line = orm.create(
                "purchase.order.line",
                {
                    "order_id": po,
                    "sequence": k * 10,
                    "name": f"line {k}",
                    "product_id": product,
                    "product_qty": quantity,
                    "price_unit": 1.0,
                },
            )
            move = orm.create(
                "stock.move",
                {
                    "name": f"line {k}",
                    "picking_id": picking,
                    "product_id": product,
                    "product_uom_qty": quantity,
                    "location_id": VENDORS,
                    "location_dest_id": STOCK_HQ,
                    "purchase_line_id": line,
                },
            )
            orm.write("stock.move", [move], {"state": "assigned"}, system=True)
        names.append(name)
    return names
