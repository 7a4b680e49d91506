"""One ERP behind the ERP port, as the contract suites see it: its adapter opened against its
simulator with every request recorded, and what the ERP's books hold, read from the
simulator's admin routes and never through the adapter."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import httpx

from connectors.ion import IonSettings
from core.config import AppSettings, Mappings
from core.environment import Environment
from erp.port import ErpAdapter
from tests.http import HTTP

PAGE_SIZE = 2  # small pages, so every suite crosses page boundaries
Books = dict[tuple[str, str | None], float]


class Recorder(httpx.AsyncBaseTransport):
    """The real transport, keeping every request the adapter's client sends."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.sent: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass
class ErpCase:
    name: str  # as the adapter names its ERP
    open: Callable[[], AbstractAsyncContextManager[tuple[ErpAdapter, Recorder]]]
    is_read: Callable[[httpx.Request], bool]  # a request that cannot change the ERP's books
    books: Callable[[], Books]  # on-hand per (item name, location), from the simulator's admin routes
    documents: dict[str, dict[tuple[str, str], float]]  # "receipts"/"bills": quantity per (PO number, line) set up


def admin(url: str, path: str) -> Any:
    response = HTTP.get(f"{url}/_sandbox/{path}", timeout=60)
    response.raise_for_status()
    return response.json()


def totals(rows: list[tuple[str, str | None, float]]) -> Books:
    books: Books = {}
    for item, location, quantity in rows:
        books[(item, location)] = books.get((item, location), 0) + quantity
    return books


def environment(**systems: Any) -> Environment:
    ion = IonSettings(api_url="http://ion.invalid", auth_url="http://ion.invalid/token", client_id="-", client_secret="-")
    app = AppSettings()
    app.prepare()  # as `load_environment` does: the default ledger's directory exists
    return Environment(app=app, mappings=Mappings(), ion=ion, systems=systems)
