"""The Ramp Developer API client: token, rate budget, keyset pages, and writes that land once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import httpx
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from pydantic import BaseModel, ValidationError

from connectors.auth import BearerClient, RefreshingBearer
from connectors.errors import AuthError, ContractError, DataError, RateLimitedError, TransientError
from connectors.ramp.errors import raise_for_status
from connectors.ramp.models import Bill, Entity, ItemReceipt, PurchaseOrder, Vendor
from connectors.ramp.ratelimit import QuietWindowLimiter
from connectors.ramp.settings import RampSettings
from connectors.retry import retrying
from connectors.shared_budget import held
from connectors.tls import tls

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class WriteResult:
    """Where a write landed. `adopted`: it already existed (an earlier attempt had landed)."""

    target_id: str
    adopted: bool = False
    resource: dict[str, Any] | None = None  # the object as Ramp returned or listed it


class RampClient(BearerClient):
    """`async with RampClient(settings) as ramp: ...`

    Every request passes the rate limiter (`rate_limit_requests` between quiet windows of
    `rate_limit_window_seconds`; a 429 makes every request wait out a whole window, as Ramp's
    timer restarts on each request and no Retry-After is sent) and a concurrency cap. Ramp has no
    idempotency key for purchase orders or item receipts, so `create_*_once` look the object
    up by its number before creating it, and again whenever an attempt's outcome is unknown.
    """

    def __init__(self, settings: RampSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        timeout = httpx.Timeout(settings.timeout_seconds)
        self._token_http: AsyncOAuth2Client = AsyncOAuth2Client(
            client_id=settings.client_id,
            client_secret=settings.client_secret.get_secret_value(),
            token_endpoint=f"{settings.api}/token",
            token_endpoint_auth_method="client_secret_basic",
            scope=settings.scopes,
            timeout=timeout,
            verify=tls(),
            transport=transport,
        )
        self.auth = RefreshingBearer(self._fetch_token, leeway=30.0)
        self._http = httpx.AsyncClient(
            auth=self.auth,
            base_url=settings.api,
            timeout=timeout,
            limits=httpx.Limits(max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency),
            headers={"Accept": "application/json"},
            verify=tls(),
            transport=transport,
        )
        self.limiter = QuietWindowLimiter(settings.rate_limit_requests, settings.rate_limit_window_seconds)
        self._slots = asyncio.Semaphore(settings.concurrency)
        self.requests = 0
        self.granted_scopes: set[str] | None = None  # the last token response's `scope`, when Ramp gives one
        self.observers: list[Callable[[httpx.Request, httpx.Response], None]] = []

    async def _fetch_token(self) -> dict[str, Any]:
        await self.limiter.acquire()
        try:
            token: dict[str, Any] = await self._token_http.fetch_token(
                grant_type="client_credentials", scope=self.settings.scopes
            )
        except OAuthError as exc:
            raise AuthError(
                f"Ramp refused the client credentials ({exc.error}{': ' + exc.description if exc.description else ''}): check RAMP_CLIENT_ID, RAMP_CLIENT_SECRET, "
                "RAMP_SCOPES (each must be permitted for the app) and that RAMP_BASE_URL is the app's environment"
            ) from None
        except httpx.TransportError as exc:
            raise TransientError(f"Ramp token endpoint unreachable: {type(exc).__name__}") from None
        scope = token.get("scope")  # TokenResponse.scope (ramp.md B1)
        self.granted_scopes = set(str(scope).split()) if scope else None
        return token

    # -- transport --------------------------------------------------------------------------

    async def _send(self, method: str, url: str, *, write: bool, **kwargs: Any) -> httpx.Response:
        async with self._slots:
            await self.limiter.acquire()
            self.requests += 1
            try:
                async with held(self.settings.budget):
                    response = await self._http.request(method, url, **kwargs)
            except httpx.TimeoutException:
                raise TransientError(f"Ramp {method} {url}: timed out", uncertain=write) from None
            except httpx.TransportError as exc:
                uncertain = write and not isinstance(exc, httpx.ConnectError)
                raise TransientError(f"Ramp {method} {url}: {type(exc).__name__}", uncertain=uncertain) from None
        for observe in self.observers:
            observe(response.request, response)
        try:
            raise_for_status(response, write=write)
        except RateLimitedError as exc:
            quiet = self.limiter.rate_limited()
            exc.retry_after = exc.retry_after if exc.retry_after is not None else quiet
            raise
        return response

    async def _get(self, url: str, params: dict[str, Any] | None = None) -> Any:
        async for attempt in retrying(self.settings.retry):
            with attempt:
                return _json(await self._send("GET", url, write=False, params=params))
        raise AssertionError("unreachable")  # pragma: no cover

    async def pages(
        self, path: str, params: dict[str, Any] | None = None, *, sized: bool = True
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Every page of a list endpoint, following `page.next` (keyset `start`) until null.
        `sized=False` for lists whose spec declares no `page_size` (item receipts)."""
        url: str | None = path
        query: dict[str, Any] | None = {**({"page_size": self.settings.page_size} if sized else {}), **(params or {})}
        while url:
            page = await self._get(url, query)
            data, nxt = (page.get("data"), (page.get("page") or {}).get("next")) if isinstance(page, dict) else (None, None)
            if not isinstance(data, list):
                raise ContractError(f"Ramp GET {path}: response has no data list")
            yield data
            url, query = nxt, None  # `next` is a full URL carrying every parameter

    async def get_one(self, path: str, model: type[M]) -> M | None:
        try:
            return _parse(model, await self._get(path), path)
        except DataError as exc:
            if exc.status == 404:
                return None
            raise

    # -- reads -------------------------------------------------------------------------------

    async def vendors(self) -> AsyncIterator[list[Vendor]]:
        async for page in self.pages("/vendors"):
            yield [_parse(Vendor, item, "/vendors") for item in page]

    async def vendor(self, vendor_id: str) -> Vendor | None:
        return await self.get_one(f"/vendors/{vendor_id}", Vendor)

    async def purchase_order(self, po_id: str) -> PurchaseOrder | None:
        return await self.get_one(f"/purchase-orders/{po_id}", PurchaseOrder)

    async def bill(self, bill_id: str) -> Bill | None:
        return await self.get_one(f"/bills/{bill_id}", Bill)

    async def entity(self, entity_id: str) -> Entity | None:
        return await self.get_one(f"/entities/{entity_id}", Entity)

    async def purchase_orders_by_number(
        self, numbers: Iterable[str], created_after: datetime | None = None
    ) -> dict[str, PurchaseOrder]:
        """Ramp POs with these numbers (the list endpoint has no number filter: scan, narrowed by
        creation time), archived ones included: an archived PO still holds its number."""
        wanted = set(numbers)
        found: dict[str, PurchaseOrder] = {}
        params: dict[str, Any] = {"include_archived": "true"}
        if created_after:
            params["from_created_at"] = created_after.isoformat()
        async for page in self.pages("/purchase-orders", params):
            for item in page:
                po = _parse(PurchaseOrder, item, "/purchase-orders")
                if po.purchase_order_number in wanted:
                    found.setdefault(po.purchase_order_number, po)
        return found

    async def item_receipts_by_number(self, numbers: Iterable[str]) -> dict[str, ItemReceipt]:
        """Item receipts with these numbers (the list endpoint takes no filters: a full scan)."""
        wanted = set(numbers)
        found: dict[str, ItemReceipt] = {}
        async for page in self.pages("/item-receipts", sized=False):
            for item in page:
                receipt = _parse(ItemReceipt, item, "/item-receipts")
                if receipt.item_receipt_number in wanted:
                    found.setdefault(receipt.item_receipt_number, receipt)
        return found

    # -- writes ------------------------------------------------------------------------------

    async def create_purchase_order_once(
        self, body: dict[str, Any], *, check_first: bool, created_after: datetime | None
    ) -> WriteResult:
        number = body["purchase_order_number"]

        async def find() -> dict[str, Any] | None:
            found = (await self.purchase_orders_by_number([number], created_after)).get(number)
            return found.model_dump(mode="json") if found else None

        return await self._create_once("/purchase-orders", body, find, check_first=check_first)

    async def create_item_receipt_once(self, body: dict[str, Any], *, check_first: bool) -> WriteResult:
        number = body["item_receipt_number"]

        async def find() -> dict[str, Any] | None:
            found = (await self.item_receipts_by_number([number])).get(number)
            return found.model_dump(mode="json") if found else None

        return await self._create_once("/item-receipts", body, find, check_first=check_first)

    async def _create_once(self, path: str, body: dict[str, Any], find: Callable[[], Any], *, check_first: bool) -> WriteResult:
        """POST `body` once. Whenever an earlier attempt may have landed (`check_first`, or a
        timeout, dropped connection or 5xx on this call) look it up first and adopt it."""
        uncertain = check_first
        async for attempt in retrying(self.settings.retry):
            with attempt:
                if uncertain:
                    existing = await find()
                    if existing:
                        return WriteResult(str(existing["id"]), adopted=True, resource=existing)
                try:
                    response = await self._send("POST", path, write=True, json=body)
                except TransientError as exc:
                    uncertain = uncertain or exc.uncertain
                    raise
                created = _json(response)
                if not isinstance(created, dict) or not created.get("id"):
                    raise ContractError(f"Ramp POST {path}: HTTP {response.status_code} without an id")
                return WriteResult(str(created["id"]), resource=created)
        raise AssertionError("unreachable")  # pragma: no cover


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ContractError(f"Ramp {response.request.method} {response.request.url.path}: response is not JSON") from None


def _parse(model: type[M], item: Any, where: str) -> M:
    try:
        return model.model_validate(item)
    except ValidationError as exc:
        raise ContractError(f"Ramp {where}: unexpected {model.__name__} shape: {exc.errors(include_url=False)[:3]}") from None
