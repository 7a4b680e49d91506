"""ION go-live checks: the API key, every query the flows send (one row each, `first: 1`), the
assumptions no public source confirms (range operators, run attributes,
`quantityInstalledPerParentPartInventory`; ion.md §2.3, §3.1, §3.9), the mapped locations and
the purchasing attributes. Read-only; every check runs even after one fails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.errors import ConfigError, SyncError
from connectors.ion import IonClient, IonSettings, plm
from connectors.ion import queries as q
from connectors.ion import ramp_queries as ramp
from connectors.ion.installed_quantity import completed_runs_query
from connectors.ion.queries import Query
from connectors.settings import load_settings
from core.config import AppSettings, Mappings, load_mappings
from core.preflight import Check, case_hint
from core.times import iso

SYSTEM = "ion"
ATTRIBUTE_SAMPLE = 50  # completed runs searched for the work-order attribute
RANGE_FIX = (
    "set ION_RANGE_FILTERS=client (ion-sync then applies time windows itself, reading every page), or set "
    "ION_SINCE_OPERATOR / ION_UNTIL_OPERATOR to operators your ION accepts"
)


@dataclass(frozen=True)
class Probe:
    """One query a flow sends, run with `first: 1`."""

    used_by: str
    query: Query
    connection: str
    variables: dict[str, Any] = field(default_factory=dict)


def probes(settings: IonSettings, mappings: Mappings) -> list[Probe]:
    purchasing = mappings.netsuite.purchasing
    keys = {"poKey": purchasing.po_number_attribute, "lineKey": purchasing.line_number_attribute}
    complete = {"filters": {"status": {"eq": "COMPLETE"}}}
    return [
        Probe("consumption-sync", completed_runs_query(settings), "runs", complete),
        Probe("labor-sync", q.LABOR_SESSIONS, "sessions"),
        Probe("receipt-sync", q.RECEIPTS, "receipts", keys),
        Probe("purchase-order-sync", q.ION_PURCHASE_ORDERS, "purchaseOrders"),
        Probe("purchase-order-sync", q.PURCHASE_ORDER_KEYS, "purchaseOrders", {"poKey": keys["poKey"]}),
        Probe("purchase-order-sync", q.SUPPLIERS, "suppliers"),
        Probe("purchase-order-sync", q.PARTS_BY_NUMBER, "parts", {"numbers": ["ion-sync-preflight"]}),
        Probe("three-way-match", q.MATCH_PURCHASE_ORDERS, "purchaseOrders"),
        Probe("inventory-reconciliation", q.ON_HAND_INVENTORY, "partInventories"),
        Probe("inventory-reconciliation", q.LOCATIONS, "locations"),
        Probe("quickbooks-purchase-order-sync", q.QUICKBOOKS_PURCHASE_ORDERS, "purchaseOrders"),
        Probe("quickbooks-item-sync", q.QUICKBOOKS_PARTS, "parts"),
        Probe("ramp-purchase-order-sync", ramp.PURCHASE_ORDERS, "purchaseOrders"),
        Probe("ramp-receipt-sync", ramp.RECEIPTS, "receipts"),
        Probe("ramp-supplier-import", ramp.SUPPLIERS, "suppliers"),
        Probe("plm-part-sync", plm.PARTS, "parts", {"numbers": ["ion-sync-preflight"]}),
        Probe("plm-routing-sync", plm.PROCEDURES, "procedures", {"title": "ion-sync-preflight"}),
        Probe("plm-feedback-sync", plm.AS_BUILT, "runs"),
        Probe("plm-feedback-sync", plm.NCRS, "issues"),
        Probe("plm-inspection-sync", plm.INSPECTIONS, "runs"),
        Probe("plm-change-sync", plm.OPEN_RUNS, "runs", {"partIds": []}),
    ]


@dataclass(frozen=True)
class WindowProbe:
    """One range operator on one field a flow's time window filters on."""

    used_by: str
    connection: str
    filters_type: str
    field: str
    operator: str

    @property
    def query(self) -> Query:
        """The smallest document that applies the filter, so nothing but the operator and the
        field can make it fail."""
        text = (
            f"query PreflightWindow($filters: {self.filters_type}, $first: Int) "
            f"{{ {self.connection}(filters: $filters, first: $first) {{ edges {{ node {{ id }} }} }} }}"
        )
        return Query(f"window {self.connection}.{self.field}", text, is_mutation=False)


def window_probes(settings: IonSettings) -> list[WindowProbe]:
    since, until = settings.since_operator, settings.until_operator
    return [
        WindowProbe("consumption-sync", "runs", "RunsInputFilters", settings.run_time_field, since),
        WindowProbe("consumption-sync", "runs", "RunsInputFilters", settings.run_time_field, until),
        WindowProbe("labor-sync", "sessions", "SessionsInputFilters", settings.session_time_field, since),
        WindowProbe("labor-sync", "sessions", "SessionsInputFilters", settings.session_time_field, until),
        WindowProbe("receipt-sync", "receipts", "ReceiptsInputFilters", "_created", "gte"),
        WindowProbe("receipt-sync", "receipts", "ReceiptsInputFilters", "_created", "lt"),
        WindowProbe("quickbooks-purchase-order-sync", "purchaseOrders", "PurchaseOrdersInputFilters", "_updated", since),
        WindowProbe("quickbooks-item-sync", "parts", "PartsInputFilters", "_updated", since),
    ]


async def run_checks() -> list[Check]:
    try:
        settings = load_settings(IonSettings)
        app = load_settings(AppSettings)
        mappings = load_mappings(app.config)
    except ConfigError as exc:
        return [Check(SYSTEM, "ION configuration", False, str(exc), "set the ION_* variables and the mappings file it names")]
    return await preflight_checks(lambda: IonClient(settings), mappings, str(app.config))


async def preflight_checks(ion_factory: Callable[[], IonClient], mappings: Mappings, config: str) -> list[Check]:
    """Every ION go-live check, each reported even when an earlier one failed."""
    try:
        async with ion_factory() as ion:
            me = (await ion.execute(q.ME)).get("me") or {}
            checks = [Check(SYSTEM, "ION credentials", True, f"token accepted; API user {me.get('email') or me.get('id')}")]
            rows = await _query_checks(ion, mappings, checks)
            checks += await _range_checks(ion)
            checks += await _run_attribute_checks(ion, mappings, config)
            checks.append(await _installed_per_parent_check(ion))
            checks.append(await _location_check(ion, mappings, config))
            checks += _purchasing_attribute_checks(rows, mappings, config)
            return checks
    except SyncError as exc:
        return [
            Check(
                SYSTEM,
                "ION credentials",
                False,
                str(exc),
                "check ION_CLIENT_ID, ION_CLIENT_SECRET, ION_AUTH_URL and ION_API_URL (same ION environment)",
            )
        ]


async def _query_checks(ion: IonClient, mappings: Mappings, checks: list[Check]) -> dict[str, list[dict[str, Any]]]:
    """Run each probe; returns the first rows by query name (the attribute checks read them)."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for probe in probes(ion.settings, mappings):
        name = f"query {probe.query.name} ({probe.used_by})"
        try:
            data = await ion.execute(probe.query, {**probe.variables, "first": 1, "after": None})
            edges = (data.get(probe.connection) or {}).get("edges") or []
            rows[probe.query.name] = [edge["node"] for edge in edges]
            checks.append(Check(SYSTEM, name, True, f"accepted ({len(edges)} row(s) with first: 1)"))
        except SyncError as exc:
            checks.append(
                Check(
                    SYSTEM,
                    name,
                    False,
                    str(exc),
                    f"ION's schema differs from what {probe.used_by} sends: compare with tests/contract/ion/README.md",
                )
            )
    return rows


async def _range_checks(ion: IonClient) -> list[Check]:
    client_side = ion.settings.range_filters == "client"
    now = iso(datetime.now(UTC))
    checks = []
    for probe in window_probes(ion.settings):
        name = f"filter {probe.connection}.{probe.field} {probe.operator} ({probe.used_by})"
        try:
            await ion.execute(probe.query, {"filters": {probe.field: {probe.operator: now}}, "first": 1})
            accepted, detail = True, "accepted"
        except SyncError as exc:
            accepted, detail = False, str(exc)
        if client_side:
            checks.append(
                Check(SYSTEM, name, True, f"ION_RANGE_FILTERS=client: ion-sync filters the window itself (ION: {detail})")
            )
        else:
            checks.append(Check(SYSTEM, name, accepted, detail, "" if accepted else RANGE_FIX))
    return checks


async def _run_attribute_checks(ion: IonClient, mappings: Mappings, config: str) -> list[Check]:
    key = mappings.netsuite.work_orders.run_attribute
    try:
        data = await ion.execute(q.PREFLIGHT_RUN_ATTRIBUTES, {"first": ATTRIBUTE_SAMPLE})
    except SyncError as exc:
        return [
            Check(
                SYSTEM,
                "run attributes readable",
                False,
                str(exc),
                "consumption-sync and labor-sync join runs by a run attribute: the API key needs read access to run attributes",
            )
        ]
    runs = [edge["node"] for edge in (data.get("runs") or {}).get("edges") or []]
    keys = {a["key"] for run in runs for a in run.get("attributes") or []}
    checks = [Check(SYSTEM, "run attributes readable", True, f"{len(runs)} completed run(s), attribute keys: {sorted(keys)}")]
    if key in keys:
        checks.append(Check(SYSTEM, "work-order run attribute", True, f"{key!r} is on completed runs"))
    else:
        checks.append(
            Check(
                SYSTEM,
                "work-order run attribute",
                False,
                f"none of the latest {len(runs)} completed run(s) has attribute {key!r}{case_hint(key, keys)}",
                f"set netsuite.work_orders.run_attribute in {config} to the exact key, or add the run attribute in ION "
                "and fill it on the runs",
            )
        )
    return checks


async def _installed_per_parent_check(ion: IonClient) -> Check:
    name = "aBOM quantityInstalledPerParentPartInventory"
    try:
        await ion.execute(q.PREFLIGHT_INSTALLED_PER_PARENT)
        found, detail = True, "readable on abomInstallations"
    except SyncError as exc:
        found, detail = False, str(exc)
    if ion.settings.installed_quantity == "installation_total":
        return Check(
            SYSTEM, name, True, f"ION_INSTALLED_QUANTITY=installation_total: AbomInstallation.quantity is used ({detail})"
        )
    return Check(
        SYSTEM,
        name,
        found,
        detail,
        ""
        if found
        else "set ION_INSTALLED_QUANTITY=installation_total (consumption = AbomInstallation.quantity, which ION documents), "
        "or ask First Resonance to expose the field ION's integration guide reads",
    )


async def _location_check(ion: IonClient, mappings: Mappings, config: str) -> Check:
    name = "mapped ION locations"
    wanted = {m.ion: i for i, m in enumerate(mappings.netsuite.locations)}
    if not wanted:
        return Check(SYSTEM, name, True, "no ION location mapped (netsuite.locations is empty)")
    try:
        existing = {int(n["id"]) async for page in ion.pages(q.LOCATIONS, "locations") for n in page.nodes}
    except SyncError as exc:
        return Check(SYSTEM, name, False, str(exc), "the API key needs read access to locations")
    missing = [f"{ion_id} (netsuite.locations[{i}].ion)" for ion_id, i in wanted.items() if ion_id not in existing]
    if missing:
        return Check(
            SYSTEM,
            name,
            False,
            f"ION has no location {', '.join(missing)}",
            f"correct those ids in {config}: they are ION location ids",
        )
    return Check(SYSTEM, name, True, f"all {len(wanted)} mapped location(s) exist")


def _attribute_check(label: str, key: str, keys: set[str] | None, where: str, owner: str) -> Check:
    name = f"{owner} attribute {key!r}"
    if keys is None:
        return Check(
            SYSTEM,
            name,
            False,
            f"no {owner} in ION to read attribute definitions from",
            f"create one {owner} in ION (a draft is enough) and run preflight again",
        )
    if key in keys:
        return Check(SYSTEM, name, True, f"{label}: exists")
    return Check(
        SYSTEM,
        name,
        False,
        f"{label}: no {owner} attribute {key!r}{case_hint(key, keys)}",
        f"set {where} to the exact key, or create the {owner} attribute in ION",
    )


def _purchasing_attribute_checks(rows: dict[str, list[dict[str, Any]]], mappings: Mappings, config: str) -> list[Check]:
    """The attributes `netsuite.purchasing` names, read off the first PO, its lines and the first
    supplier (org-level definitions show on every record, as the QuickBooks preflight assumes)."""
    purchasing = mappings.netsuite.purchasing
    pos = rows.get(q.ION_PURCHASE_ORDERS.name) or []
    suppliers = rows.get(q.SUPPLIERS.name) or []
    po_keys = {a["key"] for a in pos[0].get("attributes") or []} if pos else None
    lines = (pos[0].get("purchaseOrderLines") or []) if pos else []
    line_keys = {a["key"] for line in lines for a in line.get("attributes") or []} if lines else None
    supplier_keys = {a["key"] for a in suppliers[0].get("attributes") or []} if suppliers else None
    at = f"{config}: netsuite.purchasing"
    checks = [
        _attribute_check("PO number", purchasing.po_number_attribute, po_keys, f"{at}.po_number_attribute", "purchase order"),
        _attribute_check(
            "line number", purchasing.line_number_attribute, line_keys, f"{at}.line_number_attribute", "purchase order line"
        ),
        _attribute_check("vendor id", purchasing.vendor_id_attribute, supplier_keys, f"{at}.vendor_id_attribute", "supplier"),
    ]
    if purchasing.payment_terms_attribute:
        checks.append(
            _attribute_check(
                "payment terms", purchasing.payment_terms_attribute, supplier_keys, f"{at}.payment_terms_attribute", "supplier"
            )
        )
    for ns_field, target in purchasing.header_attributes.items():
        checks.append(
            _attribute_check(ns_field, target.attribute, po_keys, f"{at}.header_attributes.{ns_field}", "purchase order")
        )
    for ns_field, target in purchasing.line_attributes.items():
        checks.append(
            _attribute_check(ns_field, target.attribute, line_keys, f"{at}.line_attributes.{ns_field}", "purchase order line")
        )
    return checks
