"""Ramp go-live checks: the approval mode, the client credentials, every scope the flows need,
the entity purchase orders are created under, and the ION supplier attribute holding the Ramp
vendor id. Read-only; a problem is a FAIL row saying how to fix it, never an exception."""

from __future__ import annotations

from collections.abc import Callable

from connectors.errors import ConfigError, SyncError
from connectors.ion import IonClient
from connectors.ion.ramp_queries import SUPPLIERS
from connectors.ramp import RampClient
from core.environment import load_environment
from core.preflight import Check, case_hint
from core.ramp_config import RampMappings

SYSTEM = "ramp"
# Each scope the flows use, and who needs it (each operation's `security` in ramp-openapi.json, ramp.md B1).
NEEDED_SCOPES = {
    "vendors:read": "ramp-supplier-import, ramp-purchase-order-sync (GET /vendors)",
    "purchase_orders:read": "ramp-purchase-order-sync, ramp-approval-sync (GET /purchase-orders)",
    "purchase_orders:write": "ramp-purchase-order-sync (POST /purchase-orders)",
    "item_receipts:read": "ramp-receipt-sync (GET /item-receipts)",
    "item_receipts:write": "ramp-receipt-sync (POST /item-receipts)",
    "bills:read": "ramp-approval-sync (GET /bills/{id}: payment)",
    "entities:read": "this preflight (GET /entities/{id})",
}


async def run_checks() -> list[Check]:
    try:
        env = load_environment("ramp", check_mappings=False)
    except ConfigError as exc:
        return [Check(SYSTEM, "Ramp configuration", False, str(exc), "set the variables and mappings it names")]
    return await preflight_checks(lambda: RampClient(env.ramp), lambda: IonClient(env.ion), env.mappings.ramp)


async def preflight_checks(
    ramp_factory: Callable[[], RampClient], ion_factory: Callable[[], IonClient], mappings: RampMappings
) -> list[Check]:
    """Every check, each one reported (pass or fail) even when an earlier one failed."""
    unsupported = mappings.unsupported()
    checks = [
        Check(
            SYSTEM,
            "Approval mode",
            unsupported is None,
            unsupported or f"{mappings.approval}: POs are created in Ramp once APPROVED in ION",
            "set ramp.approval: in_ion in the mappings file" if unsupported else "",
        ),
    ]
    try:
        async with ramp_factory() as ramp:
            checks.append(Check(SYSTEM, "Ramp credentials", True, f"client-credentials token from {ramp.settings.api}"))
            checks += _scope_checks(ramp)
            checks.append(await _entity_check(ramp))
    except SyncError as exc:
        checks.append(
            Check(
                SYSTEM,
                "Ramp credentials",
                False,
                str(exc),
                "check RAMP_CLIENT_ID, RAMP_CLIENT_SECRET, RAMP_BASE_URL, and that every scope in RAMP_SCOPES is granted to the app",
            )
        )
    checks.append(await _vendor_attribute_check(ion_factory, mappings.vendor_attribute))
    return checks


def _scope_checks(ramp: RampClient) -> list[Check]:
    granted = ramp.granted_scopes
    checks = []
    for scope, needed_by in NEEDED_SCOPES.items():
        if granted is None:
            detail = f"Ramp's token response names no scopes, so {scope} cannot be confirmed (needed by {needed_by})"
            checks.append(Check(SYSTEM, f"Scope {scope}", False, detail, f"confirm in Ramp that the app has {scope}"))
        elif scope in granted:
            checks.append(Check(SYSTEM, f"Scope {scope}", True, f"granted (needed by {needed_by})"))
        else:
            checks.append(
                Check(
                    SYSTEM,
                    f"Scope {scope}",
                    False,
                    f"not granted; needed by {needed_by}",
                    f"add {scope} to RAMP_SCOPES (and grant it to the app in Ramp)",
                )
            )
    return checks


async def _entity_check(ramp: RampClient) -> Check:
    entity_id = ramp.settings.entity_id
    try:
        entity = await ramp.entity(entity_id)
    except SyncError as exc:
        return Check(
            SYSTEM,
            "Ramp entity",
            False,
            f"RAMP_ENTITY_ID {entity_id} could not be read: {exc}",
            "add entities:read to RAMP_SCOPES",
        )
    if entity is None:
        return Check(
            SYSTEM,
            "Ramp entity",
            False,
            f"RAMP_ENTITY_ID {entity_id}: no such business entity in Ramp",
            "set RAMP_ENTITY_ID to the id of a Ramp business entity (GET /developer/v1/entities lists them)",
        )
    return Check(SYSTEM, "Ramp entity", True, f"{entity.entity_name or entity.id} ({entity.currency or 'currency not given'})")


async def _vendor_attribute_check(ion_factory: Callable[[], IonClient], key: str) -> Check:
    """ION lists every defined attribute on each supplier (value null until set), so the first
    supplier shows whether the definition exists."""
    try:
        async with ion_factory() as ion:
            data = await ion.execute(SUPPLIERS, {"first": 1})
    except SyncError as exc:
        return Check(SYSTEM, "ION vendor attribute", False, f"ION: {exc}", "check the ION_* settings")
    edges = (data.get("suppliers") or {}).get("edges") or []
    if not edges:
        return Check(
            SYSTEM,
            "ION vendor attribute",
            False,
            "no supplier in ION to read attribute definitions from",
            "run ramp-supplier-import once, then run the preflight again",
        )
    keys = {a["key"] for a in edges[0]["node"].get("attributes") or []}
    if key in keys:
        return Check(SYSTEM, "ION vendor attribute", True, f"supplier attribute {key!r} exists")
    return Check(
        SYSTEM,
        "ION vendor attribute",
        False,
        f"no supplier attribute {key!r}{case_hint(key, keys)}",
        f"create the supplier attribute {key!r} (String) in ION, or set ramp.vendor_attribute to its name",
    )
