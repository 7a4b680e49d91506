"""QuickBooks go-live checks (seed 001 setup steps 3-6): every assumption the connector makes
about the company, read-only: the credentials, that they belong to the configured realm (which
accepts our `minorversion` and is a US company: we send no GlobalTaxCalculation), the five
accounts and their types, class tracking per line, inventory tracking (Inventory items need Plus
or Advanced), purchase orders in the plan, that purchase order lines come back with Ids (the
sparse update keeps them), and the ION class and expense attributes (Select, with options).

A credential this check obtains reaches the ledger only when QuickBooks confirmed the realm and
the checklist passed (or QuickBooks rotated the refresh token, which must not be lost): a failed
preflight leaves nothing behind (`StagedTokenStore`)."""

from __future__ import annotations

import json
from collections.abc import Callable

from connectors.errors import AuthError, ConfigError, SyncError
from connectors.ion import IonClient
from connectors.ion.queries import QUICKBOOKS_LINE_ATTRIBUTES
from connectors.quickbooks import QuickBooksClient
from core.config import QuickBooksMappings
from core.environment import load_environment
from core.preflight import Check, case_hint
from erp.quickbooks.setup import (
    ACCOUNT_TYPES,
    LedgerTokenStore,
    StagedTokenStore,
    account_problems,
    find_accounts,
)
from ledger import Ledger

SYSTEM = "quickbooks"
CREDENTIALS = "QuickBooks credentials"
REALM = "QuickBooks realm"
US = {"US", "USA"}  # CompanyInfo.Country; ISO-3 codes since 2025 (quickbooks.md A1)
INVENTORY_FIX = (
    "turn on Settings > Account and settings > Sales > Products and services > Track inventory quantity on hand "
    "(QuickBooks Online Plus or Advanced)"
)


async def run_checks() -> list[Check]:
    try:
        env = load_environment("quickbooks")
    except ConfigError as exc:
        return [Check(SYSTEM, "QuickBooks configuration", False, str(exc), "set the variables and mappings it names")]
    ledger = Ledger(env.app.database_url)
    try:
        tokens = StagedTokenStore(LedgerTokenStore(ledger, env.quickbooks.credential_name))
        checks = await preflight_checks(
            lambda: QuickBooksClient(env.quickbooks, tokens), lambda: IonClient(env.ion), env.quickbooks_mappings
        )
        realm_ok = any(c.name == REALM and c.ok for c in checks)
        if realm_ok and (all(c.ok for c in checks) or tokens.rotated):
            tokens.keep()
        return checks
    finally:
        ledger.close()


async def preflight_checks(
    qbo_factory: Callable[[], QuickBooksClient], ion_factory: Callable[[], IonClient], setup: QuickBooksMappings
) -> list[Check]:
    """Every go-live check, each one reported (pass or fail) even when an earlier one failed."""
    checks: list[Check] = []
    try:
        async with qbo_factory() as qbo:
            checks.append(Check(SYSTEM, CREDENTIALS, True, "access token issued"))
            if await _realm_checks(qbo, checks):
                await _company_checks(qbo, setup, checks)
    except SyncError as exc:
        checks.append(
            Check(SYSTEM, CREDENTIALS, False, str(exc), "fix QUICKBOOKS_CLIENT_ID/SECRET or reconnect (QUICKBOOKS_REFRESH_TOKEN)")
        )
    checks += await _ion_attribute_checks(ion_factory, setup)
    return checks


async def _realm_checks(qbo: QuickBooksClient, checks: list[Check]) -> bool:
    """CompanyInfo of the configured realm: proves the tokens are this company's and that it
    accepts our minorversion (every request sends it)."""
    realm, minor = qbo.settings.realm_id, qbo.settings.minor_version
    try:
        info = await qbo.company_info()
    except AuthError as exc:
        checks.append(
            Check(
                SYSTEM,
                REALM,
                False,
                f"realm {realm} refused these credentials: {exc}",
                "set QUICKBOOKS_REALM_ID to the realmId returned when the app was connected to this company",
            )
        )
        return False
    except SyncError as exc:
        checks.append(
            Check(
                SYSTEM,
                "API minor version",
                False,
                f"minorversion {minor}: {exc}",
                "set QUICKBOOKS_MINOR_VERSION to a version QuickBooks supports (75)",
            )
        )
        return False
    checks.append(Check(SYSTEM, REALM, True, f"realm {realm}: {info.get('CompanyName') or '(no company name)'}"))
    checks.append(Check(SYSTEM, "API minor version", True, f"minorversion {minor} accepted"))
    country = str(info.get("Country") or "")
    us = country.upper() in US
    checks.append(
        Check(
            SYSTEM,
            "US company",
            us,
            f"Country {country or '(none)'}",
            ""
            if us
            else "ion-sync sends no GlobalTaxCalculation, which QuickBooks requires on purchase orders "
            "of non-US companies (quickbooks.md A7): not supported yet",
        )
    )
    return True


async def _company_checks(qbo: QuickBooksClient, setup: QuickBooksMappings, checks: list[Check]) -> None:
    found = await find_accounts(qbo, setup)
    problems = {p.split(" (")[0]: p for p in account_problems(setup, found)}
    for attr, (label, _types) in ACCOUNT_TYPES.items():
        name = getattr(setup.accounts, attr)
        detail = problems.get(label) or f"{name!r} ({found[name].get('AccountType')})"
        checks.append(
            Check(
                SYSTEM,
                label,
                label not in problems,
                detail,
                ""
                if label not in problems
                else f"set quickbooks.accounts.{attr} to the exact name of an active account of that type",
            )
        )
    preferences = await qbo.preferences()
    per_line = bool((preferences.get("AccountingInfoPrefs") or {}).get("ClassTrackingPerLine"))
    if setup.class_attribute:
        checks.append(
            Check(
                SYSTEM,
                "Class tracking per line",
                per_line,
                "on" if per_line else "off: turn on Settings > Advanced > Track classes (one per row)",
            )
        )
    inventory = bool((preferences.get("ProductAndServicesPrefs") or {}).get("QuantityOnHand"))
    checks.append(
        Check(
            SYSTEM,
            "Inventory items",
            inventory,
            "inventory tracking on" if inventory else "inventory tracking is off: parts cannot become Inventory items",
            "" if inventory else INVENTORY_FIX,
        )
    )
    try:
        total = (await qbo.query("SELECT count(*) FROM PurchaseOrder")).get("totalCount", 0)
    except ConfigError as exc:
        checks.append(
            Check(SYSTEM, "Purchase orders available", False, str(exc), "purchase orders need QuickBooks Online Plus or above")
        )
        return
    checks.append(Check(SYSTEM, "Purchase orders available", True, f"{total} purchase order(s) in the company"))
    sample = (await qbo.query("SELECT * FROM PurchaseOrder MAXRESULTS 1")).get("PurchaseOrder") or []
    if sample:
        po = sample[0]
        bare = [i for i, line in enumerate(po.get("Line") or [], start=1) if not line.get("Id")]
        checks.append(
            Check(
                SYSTEM,
                "Purchase order line Ids",
                not bare,
                f"purchase order {po.get('Id')}: every line has an Id (updates keep lines and their bill links)"
                if not bare
                else f"purchase order {po.get('Id')}: lines {bare} come back without an Id",
                "" if not bare else "updates would recreate those lines: report to Intuit; do not go live",
            )
        )


async def _ion_attribute_checks(ion_factory: Callable[[], IonClient], setup: QuickBooksMappings) -> list[Check]:
    wanted = [(label, key) for label, key in (("class", setup.class_attribute), ("expense", setup.expense_attribute)) if key]
    if not wanted:
        return []
    try:
        async with ion_factory() as ion:
            data = await ion.execute(QUICKBOOKS_LINE_ATTRIBUTES)
    except SyncError as exc:
        return [Check(SYSTEM, "ION credentials", False, str(exc))]
    edges = (data.get("purchaseOrderLines") or {}).get("edges") or []
    attributes = {a["key"]: a for a in (edges[0]["node"].get("attributes") or [])} if edges else {}
    checks = [Check(SYSTEM, "ION credentials", True, "connected")]
    for label, key in wanted:
        attribute = attributes.get(key)
        if not edges:
            checks.append(
                Check(SYSTEM, f"ION {label} attribute", False, "no purchase order line in ION to read definitions from")
            )
        elif attribute is None:
            checks.append(
                Check(SYSTEM, f"ION {label} attribute", False, f"no PO line attribute {key!r}{case_hint(key, attributes)}")
            )
        elif str(attribute.get("type") or "").upper() != "SELECT":
            checks.append(
                Check(SYSTEM, f"ION {label} attribute", False, f"{key!r} is {attribute.get('type')}, not a Select attribute")
            )
        else:
            options = attribute.get("options")
            if isinstance(options, str):
                options = json.loads(options or "[]")
            ok = bool(options)
            checks.append(Check(SYSTEM, f"ION {label} attribute", ok, f"{key!r}: Select with {len(options or [])} option(s)"))
    return checks
