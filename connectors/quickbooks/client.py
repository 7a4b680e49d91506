"""The QuickBooks Online client: queries, reads, keyed writes, batches, within the realm's budget.

Every create and update carries a `requestid` (A3) derived by the caller from its ledger key,
so a retry after a timeout or a dropped response is answered from QuickBooks' replay cache
instead of being applied twice. Updates carry the SyncToken (A4); a stale token is re-read and
retried once. Faults become the connectors' errors (`errors.py`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from connectors.errors import ContractError, DataError, TransientError
from connectors.quickbooks.auth import QuickBooksAuth, TokenStore
from connectors.quickbooks.budget import RateBudget
from connectors.quickbooks.errors import STALE, Fault, QuickBooksDataError, error_for_fault, faults, raise_for_response
from connectors.quickbooks.settings import QuickBooksSettings
from connectors.retry import retrying
from connectors.shared_budget import held
from connectors.tls import tls

REQUEST_IDS = uuid.UUID("6f1c1d1e-7a55-4c1b-9d64-5f0b6d2b9a11")
IN_CHUNK = 50  # names per `IN (...)` lookup: keeps the URL short


def request_id(*parts: str) -> str:
    """A deterministic requestid (36 chars: fits both the 50-char and the batch 36-char limits)."""
    return str(uuid.uuid5(REQUEST_IDS, "|".join(parts)))


# Characters a query literal cannot carry: Intuit documents one escape, `\\'` for a single quote
# (quickbooks.md A10, python-quickbooks `utils.py`); a backslash or a double quote has none
# (double quotes in values: QuickBooks-V3-PHP-SDK issue #395), and names never hold controls.
UNQUOTABLE = {"\\": "a backslash", '"': "a double quote", "\n": "a newline", "\t": "a tab", "\r": "a carriage return"}


def query_value_problem(value: str) -> str | None:
    """Why `value` cannot be written as a query literal, or None."""
    found = [what for char, what in UNQUOTABLE.items() if char in value]
    if not found:
        return None
    return f"contains {' and '.join(found)}, which the QuickBooks query language has no documented escape for"


def quote(value: str, *, field: str = "value") -> str:
    """A query-language string literal: single quotes, inner single quotes as `\\'` (A10), the only
    escape Intuit documents. A value that needs any other escape is refused, naming `field`."""
    problem = query_value_problem(value)
    if problem:
        raise DataError(f"{field} = {value!r} {problem}: rename it in QuickBooks and ION", field=field)
    return "'" + value.replace("'", "\\'") + "'"


@dataclass(frozen=True)
class BatchResult:
    """One batch item's answer: the stored entity, or the error its Fault maps to."""

    entity: dict[str, Any] | None
    error: Exception | None
    faults: list[Fault]


class QuickBooksClient:
    """`async with QuickBooksClient(settings, token_store) as qbo: ...`"""

    def __init__(
        self,
        settings: QuickBooksSettings,
        tokens: TokenStore,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        token_transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.auth = QuickBooksAuth(settings, tokens, transport=token_transport)
        self.budget = RateBudget(
            settings.requests_per_minute,
            settings.requests_per_second,
            settings.batch_requests_per_minute,
            realm=settings.company_url,
        )
        self._http = httpx.AsyncClient(
            auth=self.auth,
            base_url=settings.company_url,
            timeout=httpx.Timeout(settings.timeout_seconds),
            headers={"Accept": "application/json"},
            verify=tls(),
            transport=transport,
        )
        self.requests = 0
        self.throttled = 0

    async def __aenter__(self) -> QuickBooksClient:
        try:
            await self.auth.access_token()  # a lost connection fails here, before any work
        except BaseException:
            await self._http.aclose()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    # -- transport ------------------------------------------------------------------------

    async def _send(self, method: str, path: str, *, write: bool, batch: bool = False, **kwargs: Any) -> dict[str, Any]:
        params = {"minorversion": str(self.settings.minor_version), **kwargs.pop("params", {})}
        async for attempt in retrying(self.settings.retry):
            with attempt:
                self.requests += 1
                try:
                    async with self.budget.slot(batch=batch), held(*self.settings.budgets(batch=batch)):
                        response = await self._http.request(method, path, params=params, **kwargs)
                except httpx.TimeoutException:
                    raise TransientError(f"QuickBooks {method} {path}: timed out", uncertain=write) from None
                except httpx.TransportError as exc:
                    uncertain = write and not isinstance(exc, httpx.ConnectError)
                    raise TransientError(f"QuickBooks {method} {path}: {type(exc).__name__}", uncertain=uncertain) from None
                if response.status_code == 429:
                    self.throttled += 1
                raise_for_response(response, write=write, throttle_wait=self.settings.throttle_wait_seconds)
                try:
                    payload = response.json()
                except ValueError:
                    raise ContractError(f"QuickBooks {method} {path}: response is not JSON") from None
                found = faults(payload)  # a 200 may still carry a Fault (A6)
                if found:
                    raise error_for_fault(found, status=response.status_code, where=f"QuickBooks {method} {path}", write=write)
                return dict(payload)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- reads ----------------------------------------------------------------------------

    async def query(self, statement: str) -> dict[str, Any]:
        """One `QueryResponse` (POST with the statement as text, so long IN lists fit)."""
        payload = await self._send(
            "POST", "/query", write=False, content=statement.encode(), headers={"Content-Type": "application/text"}
        )
        response = payload.get("QueryResponse")
        if not isinstance(response, dict):
            raise ContractError("QuickBooks query: no QueryResponse")
        return response

    async def query_all(self, entity: str, where: str = "") -> list[dict[str, Any]]:
        """Every match, page by page (STARTPOSITION from 1, MAXRESULTS page_size)."""
        rows: list[dict[str, Any]] = []
        start = 1
        while True:
            clause = f" WHERE {where}" if where else ""
            statement = f"SELECT * FROM {entity}{clause} STARTPOSITION {start} MAXRESULTS {self.settings.page_size}"
            page = (await self.query(statement)).get(entity) or []
            rows += page
            if len(page) < self.settings.page_size:
                return rows
            start += len(page)

    async def find_by(self, entity: str, field: str, values: Sequence[str], extra: str = "") -> dict[str, dict[str, Any]]:
        """Records whose `field` is one of `values` (quoted and escaped), keyed by that field."""
        found: dict[str, dict[str, Any]] = {}
        unique = sorted(set(values))
        for start in range(0, len(unique), IN_CHUNK):
            chunk = unique[start : start + IN_CHUNK]
            literals = ", ".join(quote(v, field=f"{entity}.{field}") for v in chunk)
            where = f"{field} IN ({literals})" + (f" AND {extra}" if extra else "")
            for row in await self.query_all(entity, where):
                found[str(row.get(field))] = row
        return found

    async def read(self, entity: str, entity_id: str) -> dict[str, Any]:
        payload = await self._send("GET", f"/{entity.lower()}/{entity_id}", write=False)
        if entity not in payload:
            raise ContractError(f"QuickBooks read {entity} {entity_id}: no {entity} in the answer")
        return dict(payload[entity])

    async def preferences(self) -> dict[str, Any]:
        """The company's settings (`GET /preferences`: python-quickbooks `PrefMixin`)."""
        payload = await self._send("GET", "/preferences", write=False)
        return dict(payload.get("Preferences") or {})

    async def company_info(self) -> dict[str, Any]:
        """The realm's CompanyInfo (`GET /companyinfo/{realmId}`, as Intuit's own sample app reads
        it): the cheapest call that proves the tokens belong to this realm."""
        return await self.read("CompanyInfo", self.settings.realm_id)

    # -- writes ---------------------------------------------------------------------------

    async def save(self, entity: str, body: dict[str, Any], *, requestid: str) -> dict[str, Any]:
        """Create (no Id) or update (Id + SyncToken) one entity, keyed by `requestid`."""
        payload = await self._send(
            "POST",
            f"/{entity.lower()}",
            write=True,
            json=body,
            params={"requestid": requestid},
            headers={"Content-Type": "application/json"},
        )
        if entity not in payload:
            raise ContractError(f"QuickBooks save {entity}: no {entity} in the answer")
        return dict(payload[entity])

    async def update(
        self, entity: str, current: dict[str, Any], change: Callable[[dict[str, Any]], dict[str, Any]], *, key: str
    ) -> dict[str, Any]:
        """Apply `change(current)` (a body without Id/SyncToken) as a sparse update (A4): only the
        fields sent change, so what people edit in QuickBooks and we do not own survives (a full
        update would null it). A stale SyncToken (5010: someone saved it meanwhile) re-reads the
        entity and retries once."""
        for attempt in range(2):
            body = {**change(current), "Id": current["Id"], "SyncToken": current["SyncToken"], "sparse": True}
            try:
                return await self.save(entity, body, requestid=request_id(key, current["SyncToken"]))
            except QuickBooksDataError as exc:
                if exc.code != STALE or attempt:
                    raise
                current = await self.read(entity, current["Id"])
        raise AssertionError("unreachable")  # pragma: no cover

    async def batch(self, entity: str, operations: Sequence[tuple[str, dict[str, Any]]], *, key: str) -> list[BatchResult]:
        """Up to `batch_size` (operation, body) pairs in one batch call, keyed by `key`.
        Answers come back in request order; each item succeeds or faults on its own."""
        if len(operations) > self.settings.batch_size:
            raise ValueError(f"at most {self.settings.batch_size} operations per batch")
        items = [{"bId": str(i), "operation": op, entity: body} for i, (op, body) in enumerate(operations)]
        payload = await self._send(
            "POST",
            "/batch",
            write=True,
            batch=True,
            json={"BatchItemRequest": items},
            params={"requestid": request_id("batch", key)},
            headers={"Content-Type": "application/json"},
        )
        answers = {str(item.get("bId")): item for item in payload.get("BatchItemResponse") or []}
        results = []
        for i in range(len(operations)):
            answer = answers.get(str(i))
            if answer is None:
                raise ContractError(f"QuickBooks batch: no answer for item {i}")
            found = faults(answer)
            if found:
                error = error_for_fault(found, status=None, where=f"QuickBooks batch {entity}", write=True)
                results.append(BatchResult(None, error, found))
            elif isinstance(answer.get(entity), dict):
                results.append(BatchResult(dict(answer[entity]), None, []))
            else:
                raise ContractError(f"QuickBooks batch: item {i} has neither {entity} nor Fault")
        return results
