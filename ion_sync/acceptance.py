"""`ion-sync acceptance <integration> --record <id> [--confirm]` (seed 002 rule 10).

Every integration declares an acceptance criterion, an owner and an SLA in the mappings file
(`acceptance:`). Acceptance pushes one marked test record, which the customer created in their
sandbox accounts and names by its source id, through the integration's own flow (the registry's
`run_for`, as dead-letter replay does), then reads back the ledger entries for that record
(posted? target id?) and the target record itself, and writes the report the owner signs:
markdown and JSON with the criterion, result, evidence, owner, SLA and time.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from connectors.errors import ConfigError, SyncError
from connectors.ion import IonClient, IonSettings
from connectors.ion.queries import ACCEPTANCE_PURCHASE_ORDER
from connectors.netsuite import NetSuiteClient, NetSuiteSettings
from connectors.settings import load_settings
from core.config import AcceptanceCriterion, AppSettings, load_mappings
from erp.netsuite.completions import COMPLETION
from erp.netsuite.item_receipts import ITEM_RECEIPT
from erp.netsuite.labor import TIME_BILL
from erp.port.completions import INTEGRATION as CONSUMPTION
from erp.port.purchase_orders import INTEGRATION as PO_SYNC
from erp.port.receipts import INTEGRATION as RECEIPT_SYNC
from erp.port.time_entries import INTEGRATION as LABOR_SYNC
from flows.integrations import Integration, find_integration
from ledger import Ledger
from ledger.models import EntryStatus


class UnsupportedError(Exception):
    """The integration cannot be accepted by this command yet (exit code 2)."""


@dataclass(frozen=True)
class Readback:
    """Where the integration writes, and the record type read back from there."""

    system: Literal["netsuite", "ion"]
    record_type: str
    source: str  # what the --record id is


READBACKS: dict[str, Readback] = {
    CONSUMPTION: Readback("netsuite", COMPLETION, "ION run id"),
    RECEIPT_SYNC: Readback("netsuite", ITEM_RECEIPT, "ION receipt id"),
    LABOR_SYNC: Readback("netsuite", TIME_BILL, "ION time-tracking session id"),
    PO_SYNC: Readback("ion", "purchaseOrder", "NetSuite purchase order internal id"),
}


@dataclass(frozen=True)
class AcceptancePlan:
    integration: Integration
    record: str
    readback: Readback
    criterion: AcceptanceCriterion
    app: AppSettings

    def describe(self) -> str:
        target = "NetSuite" if self.readback.system == "netsuite" else "ION"
        return (
            f"Would run {self.integration.name} for {self.readback.source} {self.record} against the configured accounts "
            f"(they must be the customer's sandbox), writing to {target}; then read back its ledger entries and the "
            f"{target} {self.readback.record_type}, and write acceptance-{self.integration.name}-{self.record}.md/.json "
            f"to {self.app.reports_dir / 'acceptance'}.\n"
            f"  criterion: {self.criterion.criterion}\n  owner: {self.criterion.owner}\n  SLA: {self.criterion.sla}\n"
            "Nothing was written. Add --confirm to do it."
        )


class AcceptanceReport(BaseModel):
    integration: str
    record: str
    criterion: str
    owner: str
    sla: str
    result: Literal["PASS", "FAIL"]
    evidence: list[str]
    flow_state: str
    started_at: datetime
    seconds: float


def plan_acceptance(name: str, record: str) -> AcceptancePlan:
    """Everything checked before any write: a supported integration, its acceptance entry."""
    integration = find_integration(name)
    readback = READBACKS.get(integration.name)
    if readback is None or integration.run_for is None:
        raise UnsupportedError(
            f"acceptance does not support {name!r} yet (supported: {', '.join(sorted(READBACKS))}); "
            "prove it by hand and record the result against the criterion in the mappings file"
        )
    app = load_settings(AppSettings)
    criterion = load_mappings(app.config).acceptance.get(integration.name)
    if criterion is None:
        raise ConfigError(
            f"{app.config}: acceptance.{integration.name} is missing: add its criterion, owner and sla (seed 002 rule 10)"
        )
    return AcceptancePlan(integration, record, readback, criterion, app)


async def run_acceptance(plan: AcceptancePlan) -> AcceptanceReport:
    """Push the record through the flow, read back what landed, judge the criterion."""
    started_at, clock = datetime.now(UTC), time.perf_counter()
    assert plan.integration.run_for is not None
    state = await plan.integration.run_for([plan.record], False)
    evidence = [f"flow {plan.integration.name} finished {getattr(state, 'name', state)}"]
    entries = _entries(plan)
    ok = bool(entries)
    if not entries:
        evidence.append(f"no ledger entry for {plan.readback.source} {plan.record}: the flow did not pick it up")
    for entry in entries:
        evidence.append(
            f"ledger {entry.key}: {entry.status}"
            + (f", target id {entry.target_id}" if entry.target_id else "")
            + (f", reason: {entry.reason}" if entry.reason else "")
        )
        if entry.status is not EntryStatus.posted or not entry.target_id:
            ok = False
            continue
        found = await _read_back(plan.readback, entry.target_id)
        evidence.append(found or f"{plan.readback.record_type} {entry.target_id}: NOT FOUND in the target")
        ok = ok and found is not None
    return AcceptanceReport(
        integration=plan.integration.name,
        record=plan.record,
        criterion=plan.criterion.criterion,
        owner=plan.criterion.owner,
        sla=plan.criterion.sla,
        result="PASS" if ok else "FAIL",
        evidence=evidence,
        flow_state=str(getattr(state, "name", state)),
        started_at=started_at,
        seconds=round(time.perf_counter() - clock, 1),
    )


def _entries(plan: AcceptancePlan) -> list[Any]:
    ledger = Ledger(plan.app.database_url)
    try:
        entries = ledger.entries(plan.integration.ledger_name)
    finally:
        ledger.close()
    source_ids = plan.integration.source_ids
    assert source_ids is not None
    return [e for e in entries if source_ids([e.key]) == [plan.record]]


async def _read_back(readback: Readback, target_id: str) -> str | None:
    """One line describing the target record, or None when it is not there."""
    try:
        if readback.system == "netsuite":
            async with NetSuiteClient(load_settings(NetSuiteSettings)) as netsuite:
                record = await netsuite.get(readback.record_type, target_id)
        else:
            async with IonClient(load_settings(IonSettings)) as ion:
                record = (await ion.execute(ACCEPTANCE_PURCHASE_ORDER, {"id": target_id})).get("purchaseOrder")
    except SyncError as exc:
        return f"{readback.record_type} {target_id}: read-back failed: {exc}"
    if not record:
        return None
    shown = {k: v for k, v in record.items() if k in ("id", "tranId", "status", "externalId", "tranDate", "quantity", "hours")}
    return f"{readback.record_type} {target_id} read back: {json.dumps(shown, default=str, sort_keys=True)}"


def write_report(report: AcceptanceReport, reports_dir: Path) -> tuple[Path, Path]:
    """`acceptance-<integration>-<record>.md` and `.json` in `<reports>/acceptance/`."""
    folder = reports_dir / "acceptance"
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"acceptance-{report.integration}-{report.record}"
    json_path, md_path = stem.with_suffix(".json"), stem.with_suffix(".md")
    json_path.write_text(report.model_dump_json(indent=2))
    evidence = "\n".join(f"- {line}" for line in report.evidence)
    md_path.write_text(
        f"# Acceptance: {report.integration}\n\n"
        f"| | |\n|---|---|\n| Result | **{report.result}** |\n| Criterion | {report.criterion} |\n"
        f"| Owner | {report.owner} |\n| SLA | {report.sla} |\n| Test record | {report.record} |\n"
        f"| Time | {report.started_at.isoformat(timespec='seconds')} ({report.seconds} s) |\n\n"
        f"## Evidence\n\n{evidence}\n\n## Sign-off\n\nAccepted by {report.owner}: ____________  date: ________\n"
    )
    return md_path, json_path
