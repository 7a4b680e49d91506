"""Business Central go-live checks, read-only: the app's credentials and the company, every
entity set the product reads (API v2.0 and the ion-sync production API page group), that what
the mappings name exists (locations, items), and whether the environment offers purchase orders
to webhooks (README fact 30)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from connectors.business_central import BusinessCentralClient, literal
from connectors.errors import ConfigError, SyncError
from core.environment import load_environment
from core.preflight import Check
from erp.business_central.subscriptions import purchase_orders_offered

SYSTEM = "business-central"
STANDARD_READS = {  # entity set -> what reads it
    "purchaseOrders": "purchase-order-sync, receipt-sync",
    "purchaseOrderLines": "purchase-order-sync, receipt-sync",
    "purchaseReceipts": "receipt-sync (finding posted receipts)",
    "vendors": "purchase-order-sync (suppliers)",
    "paymentTerms": "purchase-order-sync (payment terms)",
    "items": "every ERP-port flow",
    "locations": "every ERP-port flow",
    "itemLedgerEntries": "consumption-sync (posted output and consumption)",
    "timeRegistrationEntries": "labor-sync",
    "employees": "labor-sync",
}
CUSTOM_READS = {
    "releasedProductionOrders": "consumption-sync (production orders)",
    "productionJournals": "consumption-sync (output and consumption)",
    "locationInventories": "inventory-reconciliation (stock per location)",
}
PERMISSIONS_FIX = "assign the app a permission set that reads it (BC page Microsoft Entra applications)"


async def run_checks() -> list[Check]:
    try:
        env = load_environment("erp", erp="business-central")
    except ConfigError as exc:
        return [Check(SYSTEM, "Business Central configuration", False, str(exc), "set the variables and mappings it names")]
    mappings = env.erp_mappings
    return await preflight_checks(
        lambda: BusinessCentralClient(env.business_central),
        sorted({m.erp for m in mappings.locations}),
        sorted(set(mappings.items.values())),
    )


async def preflight_checks(
    client_factory: Callable[[], BusinessCentralClient], locations: Sequence[str], items: Sequence[str]
) -> list[Check]:
    """Every check, each reported (pass or fail) even when an earlier one failed. `locations`
    and `items`: the BC location codes and item numbers the mappings name."""
    checks: list[Check] = []
    try:
        async with client_factory() as bc:
            companies = await bc.all(f"{bc.settings.environment_root}/api/v2.0/companies")
            ids = {str(c.get("id")).lower() for c in companies}
            company = bc.settings.company_id.lower()
            checks.append(
                Check(
                    SYSTEM,
                    "Business Central credentials and company",
                    company in ids,
                    f"environment {bc.settings.environment}: {len(companies)} company(ies)"
                    + ("" if company in ids else f", none with id {bc.settings.company_id}"),
                    "" if company in ids else "set BUSINESS_CENTRAL_COMPANY_ID to one of GET .../api/v2.0/companies",
                )
            )
            for name, used_by in STANDARD_READS.items():
                checks.append(await _probe(bc, name, used_by, "api/v2.0", PERMISSIONS_FIX))
            route = bc.settings.custom_api.route
            for name, used_by in CUSTOM_READS.items():
                checks.append(
                    await _probe(
                        bc,
                        name,
                        used_by,
                        route,
                        f"install the ion-sync production API page group at {route} (README), or fix BUSINESS_CENTRAL_CUSTOM_API__*",
                    )
                )
            checks.append(await _exist(bc, "locations", "code", locations, "Mapped locations exist"))
            checks.append(await _exist(bc, "items", "number", items, "Mapped items exist"))
            offered = await purchase_orders_offered(bc)
            checks.append(
                Check(
                    SYSTEM,
                    "Webhooks offer purchaseOrders",
                    offered is not False,
                    {
                        True: "listed in webhookSupportedResources",
                        None: "the environment's list could not be read",
                        False: "not listed: purchase-order-sync runs on its schedule only",
                    }[offered],
                    ""
                    if offered is not False
                    else "nothing to do for correctness; for push, ask the partner to expose purchase orders through a webhook-enabled API page",
                )
            )
    except SyncError as exc:
        checks.append(
            Check(
                SYSTEM,
                "Business Central credentials and company",
                False,
                str(exc),
                "check the BUSINESS_CENTRAL_* settings, the app registration and its consent",
            )
        )
    return checks


async def _probe(bc: BusinessCentralClient, name: str, used_by: str, route: str, fix: str) -> Check:
    try:
        found = await bc.get(name, route=route, **{"$top": "1"})
    except SyncError as exc:
        return Check(SYSTEM, f"read {route}/{name}", False, f"{exc} (needed by {used_by})", fix)
    if found is None:
        return Check(
            SYSTEM, f"read {route}/{name}", False, f"Business Central has no {route}/{name} (404; needed by {used_by})", fix
        )
    return Check(SYSTEM, f"read {route}/{name}", True, used_by)


async def _exist(bc: BusinessCentralClient, entity_set: str, field: str, wanted: Sequence[str], name: str) -> Check:
    if not wanted:
        return Check(SYSTEM, name, True, "the mappings name none")
    found: set[str] = set()
    for start in range(0, len(wanted), 20):
        chunk = wanted[start : start + 20]
        query = " or ".join(f"{field} eq {literal(value)}" for value in chunk)
        found |= {str(row[field]) for row in await bc.all(entity_set, **{"$filter": query})}
    missing = sorted(set(wanted) - found)
    if missing:
        return Check(
            SYSTEM,
            name,
            False,
            f"not in Business Central: {', '.join(missing)}",
            "fix the business_central section of the mappings file",
        )
    return Check(SYSTEM, name, True, f"{len(set(wanted))} found")
