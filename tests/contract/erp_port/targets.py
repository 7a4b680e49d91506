"""The ERP port's write cases (completions, receipts), run against every ERP adapter and its simulator.

The tests speak only the port (`erp.port`): they read ION's records from the ION simulator,
hand them to the configured ERP's adapter (`tasks.erp.open_erp`), write what it plans through
the writer engine, and count what landed in the ERP's simulator. Adding an ERP is one entry in
TARGETS: how to point ion-sync at it and how to read back what landed. No Prefect: each test is a
few requests against the session's simulators.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.ion import IonClient
from connectors.ion.installed_quantity import completed_runs_step
from connectors.ion.queries import RECEIPTS
from core.environment import Environment, load_environment
from core.writer import Postable, PostReport, Writer, write_page
from erp.netsuite.consumption import external_id as completion_external_id
from erp.netsuite.receipts import external_id as receipt_external_id
from erp.port.receipts import JoinKeys
from ledger import Ledger
from ledger.store import DeadLetter
from tests.odoo_helpers import done_quantities
from tests.world import DEFAULT_NETSUITE_FAULTS, World


@dataclass(frozen=True)
class Landed:
    """One record the ERP holds: quantity per item name (consumed by a completion, received by a receipt)."""

    quantities: dict[str, float]


@dataclass(frozen=True)
class ErpUnderTest:
    """One ERP adapter and its simulator, as the contract suite drives them."""

    name: str  # ION_SYNC_ERP
    completions: Callable[[World, str], list[Landed]]  # what landed for a completion's ledger key
    receipts: Callable[[World, str], list[Landed]]  # what landed for a receipt's ledger key
    drop_answers: Callable[[World, bool], None]  # on: writes commit, their answers are lost


def _netsuite_landed(
    world: World, record_type: str, external_id: str, lines: str, item: Callable[[dict[str, Any]], str]
) -> list[Landed]:
    landed = []
    for record in world.netsuite_records(record_type):
        if record.get("externalId") == external_id:
            quantities: dict[str, float] = {}
            for line in record.get(lines, {}).get("items", []):
                quantities[item(line)] = round(quantities.get(item(line), 0.0) + float(line["quantity"]), 6)
            landed.append(Landed(quantities))
    return landed


def _netsuite_drop(world: World, on: bool) -> None:
    world.faults("netsuite", **DEFAULT_NETSUITE_FAULTS, **({"drop_after_commit_rate": 1.0} if on else {}))


NETSUITE = ErpUnderTest(
    name="netsuite",
    completions=lambda world, key: _netsuite_landed(
        world, "workOrderCompletion", completion_external_id(key), "component", lambda line: str(line["item"]["refName"])
    ),
    receipts=lambda world, key: _netsuite_landed(
        world, "itemReceipt", receipt_external_id(key), "item", lambda line: str(line["itemName"])
    ),
    drop_answers=_netsuite_drop,
)


def _bc_entities(world: World, entity_set: str) -> list[dict[str, Any]]:
    return world.admin("business_central", "GET", f"entities/{entity_set}")["value"]


def _bc_completions(world: World, key: str) -> list[Landed]:
    """The run's posted production journal (`ION-R<run>`): quantity consumed per item."""
    journals = [j for j in _bc_entities(world, "productionJournals") if j["documentNumber"] == f"ION-R{key.split(':')[2]}"]
    lines = _bc_entities(world, "productionJournalLines")
    landed = []
    for journal in journals:
        if journal["status"] != "Posted":
            continue
        quantities: dict[str, float] = {}
        for line in lines:
            if line["documentId"] == journal["id"] and line["entryType"] == "Consumption":
                quantities[line["itemNumber"]] = round(quantities.get(line["itemNumber"], 0.0) + line["quantity"], 6)
        landed.append(Landed(quantities))
    return landed


# ION's demo POs and the BC orders their join keys name (the BC demo is numbered like NetSuite's)
BC_ORDERS = {"1": "PO5001", "2": "PO5002"}


def _bc_receipts(world: World, key: str) -> list[Landed]:
    """Posted receipts of the order the key's ION PO names that ion-sync's ledger gives to the key
    (BC's receipts carry no key of ours: README fact 21)."""
    from ledger import Ledger

    ledger = Ledger(world.ledger_url)
    try:
        numbers = {e.target_id for e in ledger.entries("receipt-sync-business-central", keys=[key]) if e.target_id}
    finally:
        ledger.close()
    order = BC_ORDERS[key.rsplit(":", 1)[1]]
    lines = _bc_entities(world, "purchaseReceiptLines")
    landed = []
    for receipt in _bc_entities(world, "purchaseReceipts"):
        if receipt["orderNumber"] == order and receipt["number"] in numbers:
            quantities: dict[str, float] = {}
            for line in lines:
                if line["documentId"] == receipt["id"]:
                    quantities[line["lineObjectNumber"]] = quantities.get(line["lineObjectNumber"], 0.0) + line["quantity"]
            landed.append(Landed(quantities))
    return landed


def _bc_drop(world: World, on: bool) -> None:
    world.faults("business_central", **({"drop_after_commit_rate": 1.0} if on else {}))


BUSINESS_CENTRAL = ErpUnderTest(
    name="business-central", completions=_bc_completions, receipts=_bc_receipts, drop_answers=_bc_drop
)


def _odoo_drop(world: World, on: bool) -> None:
    world.faults("odoo", **({"drop_after_commit_rate": 1.0} if on else {}))


ODOO = ErpUnderTest(
    name="odoo",
    completions=lambda world, key: [
        Landed(q) for q in done_quantities(world, key, "mrp.production", "raw_material_production_id")
    ],
    receipts=lambda world, key: [Landed(q) for q in done_quantities(world, key, "stock.picking", "picking_id")],
    drop_answers=_odoo_drop,
)

TARGETS = [NETSUITE, BUSINESS_CENTRAL, ODOO]


def environment() -> Environment:
    return load_environment("erp")


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def completed_runs(env: Environment, run_ids: Sequence[int]) -> list[dict[str, Any]]:
    """ION's completed runs of `run_ids`, as consumption-sync reads them."""
    async with IonClient(env.ion) as ion:
        page = await completed_runs_step(ion, {"status": {"eq": "COMPLETE"}, "id": {"in": list(run_ids)}}, None)
    return page.nodes


async def ion_receipts(env: Environment, keys: JoinKeys, receipt_ids: Sequence[int]) -> list[dict[str, Any]]:
    """ION's receipts of `receipt_ids`, with the join keys the ERP names, as receipt-sync reads them."""
    variables = {"filters": {"id": {"in": list(receipt_ids)}}, "poKey": keys.po_number, "lineKey": keys.line_number}
    async with IonClient(env.ion) as ion:
        page = await ion.page(RECEIPTS, "receipts", variables, first=100, after=None)
    return page.nodes


async def write(
    env: Environment, writer: Writer, ready: Sequence[Postable], dead: Sequence[DeadLetter] = (), concurrency: int = 1
) -> PostReport:
    """One run of the writer engine over a planned page."""
    ledger = Ledger(env.app.database_url)
    try:
        run_handle = ledger.start_run(writer.integration)
        try:
            return await write_page(ledger, run_handle, writer, ready, dead, window=asyncio.Semaphore(concurrency))
        finally:
            ledger.finish_run(run_handle)
    finally:
        ledger.close()
