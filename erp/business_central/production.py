"""The engine's writer of production output and consumption into Business Central: one
`productionJournals` entry per completed ION run (lines by deep insert), posted with its bound
action `Microsoft.NAV.post` (the customer-side page group of README "The ion-sync production
API").

The journal's `documentNumber` (`ION-R<run id>`) is unique in BC and stays after posting, so
whether a run's completion landed is read back by that number: posted → landed; open (the run
died between creating and posting it) → post it; absent → create and post. Creating and
posting are thus safe to repeat: the writer is idempotent and every write looks first. A post
whose answer is lost is reported as such (not known to be posted); the next look settles it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.business_central import BusinessCentralClient, key, literal
from connectors.errors import TransientError
from core.writer import Landed, Postable, Writer
from ledger import Claim

TARGET = "Business Central"
DOCUMENT_PREFIX = "ION-R"  # + run id: at most 20 characters (Code[20])


def document_number(run_id: int | str) -> str:
    return f"{DOCUMENT_PREFIX}{run_id}"


def run_id_of(completion_key: str) -> str:
    """`ion:run:1001:completion` → `1001`."""
    return completion_key.split(":")[2]


class ProductionJournalWriter(Writer):
    """`Postable.body`: the `productionJournals` deep insert (`documentNumber`,
    `productionOrderNumber`, `postingDate`, `productionJournalLines`). Target id: the document number."""

    target = TARGET
    idempotent = True

    def __init__(self, bc: BusinessCentralClient, integration: str) -> None:
        self.bc = bc
        self.integration = integration
        self.route = bc.settings.custom_api.route

    async def _journal(self, number: str) -> dict[str, Any] | None:
        found = await self.bc.all("productionJournals", route=self.route, **{"$filter": f"documentNumber eq {literal(number)}"})
        return found[0] if found else None

    async def find(self, claim: Claim) -> str | Landed | None:
        number = document_number(run_id_of(claim.key))
        journal = await self._journal(number)
        return number if journal and journal.get("status") == "Posted" else None

    async def write(self, items: Sequence[Postable]) -> Sequence[str | Landed | Exception]:
        results: list[str | Landed | Exception] = []
        for item in items:
            try:
                results.append(await self._write_one(item.body))
            except Exception as exc:
                results.append(exc)
        return results

    async def _write_one(self, body: dict[str, Any]) -> str:
        number = str(body["documentNumber"])
        journal = await self._journal(number)
        if journal is None:
            try:
                journal = await self.bc.create("productionJournals", body, route=self.route)
            except TransientError as exc:
                if not exc.uncertain:
                    raise
                journal = await self._journal(number)  # it may have been created before the answer was lost
                if journal is None:
                    raise
        if journal.get("status") != "Posted":
            # an uncertain posting goes back to the engine: `find` (or the next write) reads it back
            await self.bc.action(f"productionJournals{key(str(journal['id']))}", "post", route=self.route)
        return number
