"""The ION side of the ERP-port write suites (completions, receipts): ION's records read from the
session's ION simulator (the `world` fixture) as the flows read them, and one run of the writer
engine over what an adapter planned, on the world's ledger."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from connectors.ion import IonClient
from connectors.ion.installed_quantity import completed_runs_page
from connectors.ion.queries import RECEIPTS
from core.environment import Environment, load_environment
from core.writer import Postable, PostReport, Writer, write_page
from erp.port.receipts import JoinKeys
from ledger import Ledger
from ledger.store import DeadLetter


def ion_environment() -> Environment:
    """ION's settings and the ledger of the `world` fixture (its environment variables)."""
    return load_environment()


async def completed_runs(run_ids: Sequence[int]) -> list[dict[str, Any]]:
    """ION's completed runs of `run_ids`, as consumption-sync reads them."""
    async with IonClient(ion_environment().ion) as ion:
        page = await completed_runs_page(ion, {"status": {"eq": "COMPLETE"}, "id": {"in": list(run_ids)}}, None)
    return page.nodes


async def ion_receipts(keys: JoinKeys, receipt_ids: Sequence[int]) -> list[dict[str, Any]]:
    """ION's receipts of `receipt_ids`, with the join keys the ERP names, as receipt-sync reads them."""
    variables = {"filters": {"id": {"in": list(receipt_ids)}}, "poKey": keys.po_number, "lineKey": keys.line_number}
    async with IonClient(ion_environment().ion) as ion:
        page = await ion.page(RECEIPTS, "receipts", variables, first=100, after=None)
    return page.nodes


async def write(writer: Writer, ready: Sequence[Postable], dead: Sequence[DeadLetter] = (), concurrency: int = 1) -> PostReport:
    """One run of the writer engine over a planned page, on the world's ledger."""
    ledger = Ledger(ion_environment().app.database_url)
    try:
        run_handle = ledger.start_run(writer.integration)
        try:
            return await write_page(ledger, run_handle, writer, ready, dead, window=asyncio.Semaphore(concurrency))
        finally:
            ledger.finish_run(run_handle)
    finally:
        ledger.close()
