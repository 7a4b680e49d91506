"""Odoo go-live checks, read-only: the credentials and version (and the transport's deprecation),
the apps ion-sync needs (Purchase, Inventory, Manufacturing, Timesheets), every model and field
the product reads or writes for this version, the external ids (`ir.model.data`) every write is
found by, and that what the mappings name exists: locations, products, employees, projects and
the timesheet task."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from connectors.errors import ConfigError, SyncError
from connectors.odoo import OdooClient, OdooFields
from core.environment import Environment, load_environment
from core.preflight import Check
from erp.odoo.references import product_ids

SYSTEM: Literal["odoo"] = "odoo"
APPS = {  # module -> what needs it
    "purchase": "purchase-order-sync, receipt-sync, three-way-match",
    "stock": "receipt-sync, inventory-reconciliation",
    "mrp": "consumption-sync (without it: unsupported, see README 'Odoo')",
    "hr_timesheet": "labor-sync",
}
MAPPINGS_FIX = "fix the ids under odoo: in the mappings file (ION_SYNC_CONFIG)"


def fields_used(version: int) -> dict[str, list[str]]:
    """Every model and field the product reads or writes, for this version's names."""
    names = OdooFields(version)
    done = [names.move_done, *(["picked"] if names.picks else [])]
    line_done = [names.line_done, *(["picked"] if names.picks else [])]
    return {
        "purchase.order": ["name", "state", "partner_id", "date_order", "write_date", "currency_id", "picking_ids"],
        "purchase.order.line": [
            "order_id",
            "sequence",
            "product_id",
            "product_qty",
            "price_unit",
            "date_planned",
            "qty_received",
            "qty_invoiced",
            "write_date",
        ],
        "res.partner": ["name", "email", "property_supplier_payment_term_id"],
        "product.product": ["default_code", "tracking"],
        "stock.location": ["complete_name", "usage"],
        "stock.picking": ["state", "purchase_id", "picking_type_id", "location_dest_id", "move_ids"],
        "stock.move": ["purchase_line_id", "location_id", "location_dest_id", "move_line_ids", "state", *done],
        "stock.move.line": ["product_id", "location_id", "location_dest_id", "lot_id", "lot_name", *line_done],
        names.lot_model: ["name", "product_id"],
        "stock.quant": ["product_id", "location_id", "quantity"],
        "mrp.production": ["name", "state", "product_id", "qty_producing", "lot_producing_id", "move_raw_ids", "location_src_id"],
        "account.analytic.line": ["name", "date", "unit_amount", "project_id", "task_id", "employee_id"],
        "ir.model.data": ["module", "name", "model", "res_id"],
    }


async def run_checks() -> list[Check]:
    try:
        env = load_environment(SYSTEM)
    except ConfigError as exc:
        return [Check(SYSTEM, "Odoo configuration", False, str(exc), "set the ODOO_* variables and the odoo: mappings it names")]
    return await preflight_checks(env, lambda: OdooClient(env.odoo), env.mappings.erp(SYSTEM))


async def preflight_checks(env: Environment, factory: Callable[[], OdooClient], mappings: Any) -> list[Check]:
    checks: list[Check] = []
    try:
        async with factory() as odoo:
            settings = odoo.settings
            note = (
                " (JSON-RPC is deprecated from 19.0, removal announced for Odoo 22: set ODOO_TRANSPORT=json2)"
                if settings.transport == "jsonrpc" and odoo.version >= 19
                else ""
            )
            checks.append(
                Check(SYSTEM, "Odoo credentials and version", True, f"Odoo {odoo.version} over {settings.transport}{note}")
            )
            installed = await installed_apps(odoo)
            for app, needed_by in APPS.items():
                ok = installed.get(app) == "installed"
                checks.append(
                    Check(
                        SYSTEM,
                        f"App '{app}' installed",
                        ok,
                        f"needed by {needed_by}" + ("" if ok else f" (state: {installed.get(app, 'absent')})"),
                        f"install the '{app}' app in Odoo",
                    )
                )
            for model, names in fields_used(odoo.version).items():
                if model.startswith("mrp.") and installed.get("mrp") != "installed":
                    continue
                checks.append(await _fields(odoo, model, names))
            checks.append(await _check("Mapped locations exist", lambda: check_locations(odoo, mappings)))
            checks.append(await _check("Mapped products exist", lambda: _products(odoo, mappings)))
    except SyncError as exc:
        checks.append(
            Check(
                SYSTEM,
                "Odoo credentials and version",
                False,
                str(exc),
                "check ODOO_URL, ODOO_DATABASE, ODOO_USERNAME, ODOO_API_KEY and ODOO_TRANSPORT",
            )
        )
    return checks


async def check_locations(odoo: OdooClient, mappings: Any) -> None:
    """Every Odoo location the mappings name must be an internal stock location (a typo stops a run before any write)."""
    wanted = {int(location) for location in mappings.location_map.values()}
    if not wanted:
        raise ConfigError("odoo.locations is empty: map each ION location to an Odoo stock.location id")
    rows = await odoo.search_read("stock.location", [["id", "in", sorted(wanted)], ["usage", "=", "internal"]], ["id"])
    missing = sorted(wanted - {int(r["id"]) for r in rows})
    if missing:
        raise ConfigError(
            f"odoo.locations names Odoo location(s) {', '.join(map(str, missing))}, which are not internal stock locations: fix the ids"
        )


async def installed_apps(odoo: OdooClient) -> dict[str, str]:
    """State of each app ion-sync uses (`ir.module.module`), by technical name."""
    rows = await odoo.search_read("ir.module.module", [["name", "in", sorted(APPS)]], ["name", "state"])
    return {str(r["name"]): str(r["state"]) for r in rows}


async def _fields(odoo: OdooClient, model: str, names: list[str]) -> Check:
    try:
        found = await odoo.call(model, "fields_get", None, allfields=names, attributes=["type"])
    except SyncError as exc:
        return Check(
            SYSTEM, f"Model {model}", False, str(exc), "install the app that provides it, or grant the ion-sync user read access"
        )
    missing = [name for name in names if name not in found]
    if missing:
        return Check(
            SYSTEM,
            f"Model {model}",
            False,
            f"missing field(s) {', '.join(missing)} (ODOO_VERSION={odoo.version}?)",
            "check ODOO_VERSION against the server, or the apps installed",
        )
    return Check(SYSTEM, f"Model {model}", True, ", ".join(names))


async def _products(odoo: OdooClient, mappings: Any) -> None:
    codes = set(mappings.items.values())
    missing = sorted(codes - (await product_ids(odoo, codes)).keys())
    if missing:
        raise ConfigError(f"odoo.items names product(s) {', '.join(missing)}, which no Odoo product has as Internal Reference")


async def _check(name: str, check: Callable[[], Awaitable[object]]) -> Check:
    try:
        await check()
    except ConfigError as exc:
        return Check(SYSTEM, name, False, str(exc), MAPPINGS_FIX)
    return Check(SYSTEM, name, True, "all found")
