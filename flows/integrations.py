"""The registry of integrations: what the event drain, integration-health and
dead-letter-replay need to know about each one. A new integration plugs in with one entry.

- `routes`: the inbox events it handles (and whether they are batched rather than triggered);
- `run_for`: run its flow for a set of source ids (events to handle, dead letters to replay);
- `source_ids`: the source ids behind ledger keys (which runs, POs, receipts to fetch again);
- `sla`: a successful run is expected at least this often; `quiet_after`: posting nothing for
  longer than this is unusual (None for read-only reports);
- `credentials`: credential-store names whose tokens expire (OAuth), checked by health;
- `budgets`: the system whose API budgets its requests count against (the Prefect global
  concurrency limits of that system's `shared_budgets`, named from its settings), if any;
- `cannot_work`: why its configured mode cannot work (health reports it failing), if it cannot;
- `erp`: the ERP of an ERP-port integration (one entry per ERP and flow, named by
  `core.config.erp_integration`); health looks at those of ION_SYNC_ERP unless asked for others;
- `flow`: its flow's name when not its own (a flow serving several ERPs or PLMs); `runs_named`: that
  flow names its runs after the integration (the PLM-port flows), which health finds them by.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from connectors.errors import ConfigError
from core.config import ERP_NAMES, ErpName, erp_integration
from core.environment import System, ramp_mode_problem
from erp.port.completions import INTEGRATION as CONSUMPTION
from erp.port.purchase_orders import INTEGRATION as PO_SYNC
from erp.port.receipts import INTEGRATION as RECEIPT_SYNC
from erp.port.time_entries import INTEGRATION as LABOR_SYNC
from erp.quickbooks.rules import ITEM_INTEGRATION as QBO_ITEMS
from erp.quickbooks.rules import PO_INTEGRATION as QBO_POS
from flows.consumption_sync import RUN_COMPLETED, consumption_sync
from flows.labor_sync import labor_sync
from flows.plm_feedback_sync import plm_feedback_sync
from flows.plm_inspection_sync import plm_inspection_sync
from flows.plm_traceability_sync import plm_traceability_sync
from flows.purchase_order_sync import purchase_order_sync
from flows.quickbooks_purchase_order_sync import quickbooks_purchase_order_sync
from flows.ramp_purchase_order_sync import ramp_purchase_order_sync
from flows.ramp_receipt_sync import ramp_receipt_sync
from flows.receipt_sync import RECEIPT_SAVED, receipt_sync
from payments.ramp.approvals import INTEGRATION as RAMP_APPROVALS
from payments.ramp.common import PURCHASE_ORDER_INTEGRATION as RAMP_POS
from payments.ramp.receipts import INTEGRATION as RAMP_RECEIPTS
from payments.ramp.suppliers import INTEGRATION as RAMP_SUPPLIERS
from plm.port import PlmName, plm_integration
from tasks.inbox import EventRoute
from tasks.plm import ADAPTERS, LACKS
from tasks.reconciliation import INTEGRATION as RECONCILIATION
from tasks.three_way_match import INTEGRATION as THREE_WAY_MATCH

RunFor = Callable[[list[str], bool], Awaitable[Any]]  # (source ids, dry_run) -> the flow's final state


@dataclass(frozen=True)
class Integration:
    name: str  # deployment, flow and ledger integration name alike
    sla: timedelta
    quiet_after: timedelta | None = None
    routes: tuple[EventRoute, ...] = ()
    run_for: RunFor | None = None
    source_ids: Callable[[Sequence[str]], list[str]] | None = None
    credentials: tuple[str, ...] = field(default=())
    budgets: System | None = None
    ledger_integration: str | None = None  # when its ledger entries go by another name
    cannot_work: Callable[[], str | None] | None = None
    erp: ErpName | None = None
    flow: str | None = None  # its flow's name, when not its own (an ERP-port flow run for another ERP, a PLM-port flow)
    runs_named: bool = False  # its flow's run names start with the integration's name (the PLM-port flows)

    @property
    def ledger_name(self) -> str:
        return self.ledger_integration or self.name


def _key_ids(keys: Sequence[str]) -> list[str]:
    """`ion:run:1007:completion` → `1007`, `netsuite:po:1502@<version>` → `1502`: the source id
    is the third part of every key, before any `@version`."""
    ids = {key.split(":")[2].split("@")[0] for key in keys if key.count(":") >= 2}
    return sorted((i for i in ids if i.isdigit()), key=lambda v: (len(v), v))


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values]


def _erp_port(erp: ErpName) -> list[Integration]:
    """The ERP-port integrations of one ERP: the same six flows, run with `erp=`."""

    async def consumption_for(ids: list[str], dry_run: bool) -> Any:
        return await consumption_sync(run_ids=_ids(ids), dry_run=dry_run, erp=erp, return_state=True)

    async def receipts_for(ids: list[str], dry_run: bool) -> Any:
        return await receipt_sync(receipt_ids=_ids(ids), dry_run=dry_run, erp=erp, return_state=True)

    async def purchase_orders_for(ids: list[str], dry_run: bool) -> Any:
        return await purchase_order_sync(erp_ids=ids, dry_run=dry_run, erp=erp, return_state=True)

    async def labor_for(ids: list[str], dry_run: bool) -> Any:
        return await labor_sync(session_ids=_ids(ids), dry_run=dry_run, erp=erp, return_state=True)

    def named(base: str) -> dict[str, Any]:
        return {"erp": erp, "flow": base if erp != "netsuite" else None, "budgets": erp}

    return [
        Integration(
            name=erp_integration(CONSUMPTION, erp),
            sla=timedelta(minutes=45),
            quiet_after=timedelta(days=2),
            routes=(replace(RUN_COMPLETED, integration=erp_integration(CONSUMPTION, erp)),),
            run_for=consumption_for,
            source_ids=_key_ids,
            **named(CONSUMPTION),
        ),
        Integration(name=erp_integration(RECONCILIATION, erp), sla=timedelta(hours=26), **named(RECONCILIATION)),
        _writer(erp_integration(PO_SYNC, erp), purchase_orders_for, **named(PO_SYNC)),
        _writer(
            erp_integration(RECEIPT_SYNC, erp),
            receipts_for,
            routes=(replace(RECEIPT_SAVED, integration=erp_integration(RECEIPT_SYNC, erp)),),
            **named(RECEIPT_SYNC),
        ),
        _writer(erp_integration(LABOR_SYNC, erp), labor_for, sla_minutes=90, **named(LABOR_SYNC)),
        Integration(name=erp_integration(THREE_WAY_MATCH, erp), sla=timedelta(hours=26), **named(THREE_WAY_MATCH)),
    ]


async def _quickbooks_pos_for(ids: list[str], dry_run: bool) -> Any:
    return await quickbooks_purchase_order_sync(po_ids=_ids(ids), dry_run=dry_run, return_state=True)


async def _ramp_pos_for(ids: list[str], dry_run: bool) -> Any:
    return await ramp_purchase_order_sync(po_ids=_ids(ids), dry_run=dry_run, full_resync=True, return_state=True)


async def _ramp_receipts_for(ids: list[str], dry_run: bool) -> Any:
    return await ramp_receipt_sync(receipt_ids=_ids(ids), dry_run=dry_run, full_resync=True, return_state=True)


def _plm_integrations(plm: PlmName) -> dict[str, Integration]:
    """One PLM's flows. PLM → ION writes go by the PLM's record kind (`arena-parts`), shared by
    the flows that make them; ION → PLM writes by the flow. Replaying an ION → PLM dead letter
    runs its flow with full_resync (keys name units, not runs, except inspections')."""

    def resync(flow: Any, by_run: bool = False) -> RunFor:
        async def run_for(ids: list[str], dry_run: bool) -> Any:
            runs = {"run_ids": _ids(ids)} if by_run else {}
            return await flow(plm=plm, dry_run=dry_run, full_resync=True, return_state=True, **runs)

        return run_for

    def ion_to_plm(base: str, flow: Any, by_run: bool = False) -> Integration:
        name = plm_integration(base, plm)
        return Integration(
            name=name,
            sla=timedelta(minutes=90),
            quiet_after=timedelta(days=2),
            run_for=resync(flow, by_run),
            source_ids=_key_ids,
            flow=base,
            runs_named=True,
        )

    def plm_to_ion(base: str, records: str, sla_minutes: int) -> Integration:
        name = plm_integration(base, plm)
        return _writer(name, None, sla_minutes=sla_minutes, ledger_integration=f"{plm}-{records}", flow=base, runs_named=True)

    lacks = LACKS.get(plm, frozenset())
    found = [
        plm_to_ion("plm-part-sync", "parts", 26 * 60),
        plm_to_ion("plm-bom-sync", "mboms", 26 * 60),
        *([] if "routings" in lacks else [plm_to_ion("plm-routing-sync", "procedures", 26 * 60)]),
        plm_to_ion("plm-change-sync", "changes", 90),
        ion_to_plm("plm-feedback-sync", plm_feedback_sync),
        *([] if "inspections" in lacks else [ion_to_plm("plm-inspection-sync", plm_inspection_sync, by_run=True)]),
        *([] if "traceability" in lacks else [ion_to_plm("plm-traceability-sync", plm_traceability_sync)]),
    ]
    return {i.name: i for i in found}


def _writer(name: str, run_for: RunFor | None, sla_minutes: int = 45, **extra: Any) -> Integration:
    """A scheduled writer: a run at least every `sla_minutes`, posting something within two days."""
    return Integration(
        name=name,
        sla=timedelta(minutes=sla_minutes),
        quiet_after=timedelta(days=2),
        run_for=run_for,
        source_ids=_key_ids if run_for else None,
        **extra,
    )


INTEGRATIONS: dict[str, Integration] = {
    # The ERP port's six flows, once per ERP (NetSuite's keep their plain names).
    **{i.name: i for erp in ERP_NAMES for i in _erp_port(erp)},
    # Ramp: the rate budget is Ramp's 200 requests per 10 s, shared by the four flows.
    RAMP_SUPPLIERS: _writer(RAMP_SUPPLIERS, None, sla_minutes=26 * 60, cannot_work=ramp_mode_problem, budgets="ramp"),
    RAMP_POS: _writer(RAMP_POS, _ramp_pos_for, cannot_work=ramp_mode_problem, budgets="ramp"),
    RAMP_RECEIPTS: _writer(RAMP_RECEIPTS, _ramp_receipts_for, cannot_work=ramp_mode_problem, budgets="ramp"),
    RAMP_APPROVALS: _writer(RAMP_APPROVALS, None, sla_minutes=90, cannot_work=ramp_mode_problem, budgets="ramp"),
    # QuickBooks Online: its OAuth tokens rotate; health reads their expiry from the ledger.
    QBO_POS: _writer(QBO_POS, _quickbooks_pos_for, credentials=("quickbooks:*",), budgets="quickbooks"),
    QBO_ITEMS: _writer(QBO_ITEMS, None, credentials=("quickbooks:*",), budgets="quickbooks"),
    # The PLM-port flows, per PLM (tasks/plm.py ADAPTERS).
    **{name: integration for plm in ADAPTERS for name, integration in _plm_integrations(plm).items()},
}


def configured(erp: ErpName) -> list[Integration]:
    """Every integration but the ERP-port ones of other ERPs than `erp` (ION_SYNC_ERP): what
    health and the event drain look at unless asked for others."""
    return [i for i in INTEGRATIONS.values() if i.erp in (None, erp)]


def find_integration(name: str) -> Integration:
    if name not in INTEGRATIONS:
        raise ConfigError(f"no integration named {name!r}; known: {', '.join(sorted(INTEGRATIONS))}")
    return INTEGRATIONS[name]
