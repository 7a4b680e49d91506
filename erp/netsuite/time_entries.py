"""NetSuite as the ERP port's `TimeEntryTarget`: timeBills keyed by the session's external id,
work orders and employees looked up by SuiteQL (rules in `erp.netsuite.labor`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.netsuite import NetSuiteClient
from core.environment import Environment
from core.writer import Postable, Writer
from erp.netsuite.consumption import external_id
from erp.netsuite.labor import TIME_BILL, WorkOrderRef, fingerprint, reference_problems, time_bill_body
from erp.netsuite.references import SUITEQL_IN_CHUNK, check_labor_references
from erp.port.time_entries import INTEGRATION, TimeEntry
from ledger import Claim


@dataclass
class NetSuiteTimeEntries:
    netsuite: NetSuiteClient
    env: Environment
    name: str = "NetSuite"
    inactive_employees: set[str] = field(default_factory=set)  # known after `check`
    work_orders: dict[str, WorkOrderRef | None] = field(default_factory=dict)  # number -> ref, cached for the run

    @property
    def concurrency(self) -> int:
        return self.netsuite.settings.concurrency

    async def check(self) -> None:
        self.inactive_employees = await check_labor_references(self.netsuite, self.env)

    async def problems(self, entries: Sequence[TimeEntry]) -> dict[str, list[str]]:
        await self.resolve_work_orders({entry.work_order for entry in entries})
        found = {e.key: reference_problems(e, self.work_orders.get(e.work_order), self.inactive_employees) for e in entries}
        return {key: problems for key, problems in found.items() if problems}

    def body(self, entry: TimeEntry) -> dict[str, Any]:
        work_order = self.work_orders.get(entry.work_order)
        if work_order is None:
            raise KeyError(f"work order {entry.work_order} was not looked up (call `problems` first)")
        return time_bill_body(entry, work_order, self.env.mappings.netsuite)

    def fingerprint(self, body: dict[str, Any]) -> str:
        return fingerprint(body)

    def writer(self) -> Writer:
        return TimeBillWriter(self.netsuite)

    async def resolve_work_orders(self, numbers: set[str]) -> None:
        """Work orders by number (tranId) with status and location, cached for the run."""
        unknown = sorted(numbers - self.work_orders.keys())
        for start in range(0, len(unknown), SUITEQL_IN_CHUNK):
            chunk = unknown[start : start + SUITEQL_IN_CHUNK]
            rows = await self.netsuite.suiteql_all(
                "SELECT t.id, t.tranid, t.status, tl.location FROM transaction t "
                "JOIN transactionline tl ON tl.transaction = t.id AND tl.mainline = 'T' "
                f"WHERE t.type = 'WorkOrd' AND t.tranid IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            found = {
                str(row["tranid"]): WorkOrderRef(
                    id=str(row["id"]),
                    number=str(row["tranid"]),
                    status=row.get("status"),
                    location=str(row["location"]) if row.get("location") is not None else None,
                )
                for row in rows
            }
            self.work_orders.update({number: found.get(number) for number in chunk})


class TimeBillWriter(Writer):
    """timeBills keyed by external id: a create whose earlier attempt landed (a duplicate external
    id) is adopted and brought up to date, so writing again is safe; a correction updates the
    time bill posted earlier through its external id."""

    integration = INTEGRATION
    target = "NetSuite"
    idempotent = True
    id_column = "netsuite id"

    def __init__(self, netsuite: NetSuiteClient) -> None:
        self.netsuite = netsuite

    async def find(self, claim: Claim) -> str | None:
        return await self.netsuite.find_by_external_id(TIME_BILL, external_id(claim.key))

    async def write(self, items: Sequence[Postable]) -> list[str | Exception]:
        item = items[0]
        key = external_id(item.key)
        changes = {k: v for k, v in item.body.items() if k != "externalId"}
        if item.corrects is not None:
            await self.netsuite.update_by_external_id(TIME_BILL, key, changes)
            return [item.corrects]
        result = await self.netsuite.create_once(TIME_BILL, item.body, external_id=key, check_first=False)
        if result.adopted:  # an earlier attempt landed, perhaps before the session was edited
            await self.netsuite.update_by_external_id(TIME_BILL, key, changes)
        return [result.target_id]
