"""The engine's writer of NetSuite records made by transforming another (a work-order completion
from its work order, an item receipt from its purchase order), keyed by external id."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from connectors.netsuite import NetSuiteClient
from core.writer import Postable, Writer
from ledger import Claim


class TransformWriter(Writer):
    """`Postable.record` is the source record's internal id. Idempotent: NetSuite refuses a
    second record with the same external id, which proves an earlier attempt landed, so a
    rewrite cannot duplicate and needs no `find` first."""

    target = "NetSuite"
    idempotent = True

    def __init__(
        self,
        netsuite: NetSuiteClient,
        integration: str,
        source: str,
        record_type: str,
        external_id: Callable[[str], str],
        replace: Sequence[str] = (),
    ) -> None:
        self.netsuite = netsuite
        self.integration = integration
        self.source = source  # e.g. "workOrder"
        self.record_type = record_type  # e.g. "workOrderCompletion"
        self.external_id = external_id  # ledger key -> NetSuite external id
        self.replace = replace  # sublists whose pre-filled lines the body replaces

    async def find(self, claim: Claim) -> str | None:
        return await self.netsuite.find_by_external_id(self.record_type, self.external_id(claim.key))

    async def write(self, items: Sequence[Postable]) -> list[str | Exception]:
        item = items[0]
        result = await self.netsuite.transform_once(
            self.source,
            str(item.record),
            self.record_type,
            item.body,
            external_id=self.external_id(item.key),
            check_first=False,
            replace=self.replace,
        )
        return [result.target_id]
