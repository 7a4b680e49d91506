"""QuickBooks go-live checks (seed 001 setup steps 3-6): the credentials, the five accounts
and their types, class tracking per line, purchase orders in the plan, and the ION class and
expense attributes (Select, with options)."""

from __future__ import annotations

import json
from collections.abc import Callable

from connectors.errors import ConfigError, SyncError
from connectors.ion import IonClient
from connectors.ion.queries import QUICKBOOKS_LINE_ATTRIBUTES
from connectors.quickbooks import QuickBooksClient
from flows.setup import load_quickbooks_environment
from ion_sync.config import QuickBooksMappings
from ledger import Ledger
from tasks.preflight import Check
from tasks.quickbooks_setup import ACCOUNT_TYPES, account_problems, quickbooks_client

SYSTEM = "quickbooks"


async def run_checks() -> list[Check]:
    try:
        env = load_quickbooks_environment()
    except ConfigError as exc:
        return [Check(SYSTEM, "QuickBooks configuration", False, str(exc), "set the variables and mappings it names")]
    ledger = Ledger(env.app.database_url)
    try:
        return await preflight_checks(lambda: quickbooks_client(env.quickbooks, ledger), lambda: IonClient(env.ion), env.setup)
    finally:
        ledger.close()


async def preflight_checks(
    qbo_factory: Callable[[], QuickBooksClient], ion_factory: Callable[[], IonClient], setup: QuickBooksMappings
) -> list[Check]:
    """Every go-live check, each one reported (pass or fail) even when an earlier one failed."""
    checks: list[Check] = []
    try:
        async with qbo_factory() as qbo:
            checks.append(Check(SYSTEM, "QuickBooks credentials", True, f"connected to realm {qbo.settings.realm_id}"))
            names = [getattr(setup.accounts, attr) for attr in ACCOUNT_TYPES]
            found = await qbo.find_by("Account", "Name", names)
            problems = {p.split(" (")[0]: p for p in account_problems(setup, found)}
            for attr, (label, _types) in ACCOUNT_TYPES.items():
                name = getattr(setup.accounts, attr)
                detail = problems.get(label) or f"{name!r} ({found[name].get('AccountType')})"
                checks.append(Check(SYSTEM, label, label not in problems, detail,
                                    "" if label not in problems else f"set quickbooks.accounts.{attr} to the exact name of an active account of that type"))
            preferences = await qbo.preferences()
            per_line = bool((preferences.get("AccountingInfoPrefs") or {}).get("ClassTrackingPerLine"))
            if setup.class_attribute:
                checks.append(Check(SYSTEM, "Class tracking per line", per_line,
                                    "on" if per_line else "off: turn on Settings > Advanced > Track classes (one per row)"))
            try:
                total = (await qbo.query("SELECT count(*) FROM PurchaseOrder")).get("totalCount", 0)
                checks.append(Check(SYSTEM, "Purchase orders available", True, f"{total} purchase order(s) in the company"))
            except ConfigError as exc:
                checks.append(Check(SYSTEM, "Purchase orders available", False, str(exc)))
    except SyncError as exc:
        checks.append(Check(SYSTEM, "QuickBooks credentials", False, str(exc)))
    checks += await _ion_attribute_checks(ion_factory, setup)
    return checks


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
            checks.append(Check(SYSTEM, f"ION {label} attribute", False, "no purchase order line in ION to read definitions from"))
        elif attribute is None:
            close = [k for k in attributes if k.lower() == key.lower()]
            hint = f" (did you mean {close[0]!r}? names are case-sensitive)" if close else ""
            checks.append(Check(SYSTEM, f"ION {label} attribute", False, f"no PO line attribute {key!r}{hint}"))
        elif str(attribute.get("type") or "").upper() != "SELECT":
            checks.append(Check(SYSTEM, f"ION {label} attribute", False, f"{key!r} is {attribute.get('type')}, not a Select attribute"))
        else:
            options = attribute.get("options")
            if isinstance(options, str):
                options = json.loads(options or "[]")
            ok = bool(options)
            checks.append(Check(SYSTEM, f"ION {label} attribute", ok, f"{key!r}: Select with {len(options or [])} option(s)"))
    return checks
