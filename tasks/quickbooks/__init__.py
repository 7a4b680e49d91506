"""Prefect tasks of the QuickBooks syncs, over a page; the planning and the writers are in
`erp.quickbooks`. `QuickBooksContext` is what both syncs' tasks share: the clients, the run, the
names looked up so far, and the engine calls."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from connectors.ion import IonClient
from connectors.quickbooks import QuickBooksClient
from core.writer import PostReport, Writer, resolve_orphans, write_page
from erp.quickbooks.pages import PagePlan
from erp.quickbooks.setup import NameCache
from ledger import Ledger, RunHandle


@dataclass(kw_only=True)
class QuickBooksContext:
    ion: IonClient
    qbo: QuickBooksClient
    ledger: Ledger
    run: RunHandle | None  # None in a dry run
    names: NameCache = field(default_factory=NameCache)
    retry_dead: bool = False
    window: asyncio.Semaphore  # writes in flight, across the pages of a run

    @property
    def run_key(self) -> str:
        return self.run.token if self.run else ""

    def writer(self) -> Writer:
        raise NotImplementedError

    async def post(self, page: PagePlan) -> PostReport:
        """The page through the engine: keep its dead letters, claim, prepare, write, record."""
        assert self.run is not None, "a dry run posts nothing"
        report = await write_page(
            self.ledger, self.run, self.writer(), page.ready, page.dead_letters, window=self.window, retry_dead=self.retry_dead
        )
        report.already_posted += page.already_posted
        return report

    async def resolve(self) -> int:
        """Keys a dead run left `pending`: ask QuickBooks (the writer's `find`) whether each landed."""
        assert self.run is not None
        return await resolve_orphans(self.ledger, self.run, self.writer())
