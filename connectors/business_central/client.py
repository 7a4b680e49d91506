"""The Business Central API client: Entra token, company URLs, OData pages, etags, errors, budget."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from connectors.auth import BearerClient, RefreshingBearer
from connectors.business_central.budget import RequestBudget
from connectors.business_central.settings import BusinessCentralSettings
from connectors.errors import AuthError, ContractError, DataError, RateLimitedError, TransientError
from connectors.retry import retry_after, retrying
from connectors.shared_budget import held
from connectors.tls import tls

STANDARD = "api/v2.0"
ETAG = "@odata.etag"
NEXT = "@odata.nextLink"
# Statuses BC answers when it did not finish a request: queue timeout (503), operation timeout
# (408), gateway timeout (504) [BC-LIMITS-USER], [BC-CURRENT-LIMITS]; like any 5xx, a write may
# have committed before the answer was lost.
UNFINISHED = {408}
ENTITY_CHANGED = "Request_EntityChanged"  # the etag no longer matches [BC-ERRORS]


class EtagMismatch(DataError):
    """Someone changed the record since it was read (412 / Request_EntityChanged): read it again."""


def key(value: str) -> str:
    """An entity key in a URL: `purchaseOrders(<id>)` [BC-PO-GET]."""
    return f"({quote(value, safe='-')})"


def literal(value: str) -> str:
    """A string literal in `$filter`: single quotes doubled (OData)."""
    return "'" + value.replace("'", "''") + "'"


class BusinessCentralClient(BearerClient):
    """`async with BusinessCentralClient(settings) as bc: ...`

    Paths are relative to the company (`purchaseOrders`, `purchaseOrders(<id>)/purchaseOrderLines`);
    `route` picks the API (`api/v2.0`, or the customer's API page group `settings.custom_api.route`).
    Every request waits for room in the request budget (`budget.RequestBudget`)."""

    def __init__(self, settings: BusinessCentralSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        timeout = httpx.Timeout(settings.timeout_seconds)
        self._token_http = httpx.AsyncClient(timeout=timeout, verify=tls(), transport=transport)
        self.auth = RefreshingBearer(self._fetch_token)
        self._http = httpx.AsyncClient(
            auth=self.auth,
            timeout=timeout,
            limits=httpx.Limits(max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency),
            headers={"Accept": "application/json"},
            verify=tls(),
            transport=transport,
        )
        self.budget = RequestBudget(settings.concurrency, settings.requests_per_window, settings.window_seconds)
        self.requests = 0
        self.throttled = 0

    async def _fetch_token(self) -> dict[str, Any]:
        """Client credentials against Microsoft Entra [BC-S2S-SETUP]; RefreshingBearer caches it."""
        form = {
            "grant_type": "client_credentials",
            "client_id": self.settings.client_id,
            "client_secret": self.settings.client_secret.get_secret_value(),
            "scope": self.settings.scope,
        }
        try:
            response = await self._token_http.post(self.settings.token_endpoint, data=form)
        except httpx.TransportError as exc:
            raise TransientError(f"Microsoft Entra token endpoint unreachable: {type(exc).__name__}") from None
        if response.status_code >= 500:
            raise TransientError(f"Microsoft Entra token endpoint: HTTP {response.status_code}")
        body = _object(response) if response.headers.get("content-type", "").startswith("application/json") else {}
        if response.status_code != 200 or "access_token" not in body:
            raise AuthError(
                f"Microsoft Entra refused the client credentials ({body.get('error') or response.status_code}): check "
                "BUSINESS_CENTRAL_TENANT_ID, BUSINESS_CENTRAL_CLIENT_ID and BUSINESS_CENTRAL_CLIENT_SECRET, and that the "
                "app is registered in Business Central (Microsoft Entra applications) with consent granted"
            )
        return body

    # -- transport ------------------------------------------------------------------------

    def url(self, path: str, route: str = STANDARD) -> str:
        if path.startswith("http"):
            return path  # an @odata.nextLink
        return f"{self.settings.company_root(route)}/{path.lstrip('/')}"

    async def _send(self, method: str, url: str, *, write: bool, **kwargs: Any) -> httpx.Response:
        async with self.budget.slot(), held(*self.settings.shared_budgets):
            self.requests += 1
            try:
                response = await self._http.request(method, url, **kwargs)
            except httpx.TimeoutException:
                raise TransientError(f"Business Central {method} {_path(url)}: timed out", uncertain=write) from None
            except httpx.TransportError as exc:
                uncertain = write and not isinstance(exc, httpx.ConnectError)  # never connected: nothing committed
                raise TransientError(
                    f"Business Central {method} {_path(url)}: {type(exc).__name__}", uncertain=uncertain
                ) from None
        if response.status_code == 429:
            self.throttled += 1
            wait = retry_after(response) or self.settings.cool_off_seconds
            self.budget.cool_off(wait)
            raise RateLimitedError(
                f"Business Central {method} {_path(url)}: {_message(response)[1] or 'too many requests'}", retry_after=wait
            )
        _raise_for_status(response, write=write)
        return response

    async def _retried(self, method: str, url: str, *, repeatable: bool = True, **kwargs: Any) -> httpx.Response:
        """A request retried on transient errors; one that is not `repeatable` (a create, a posting
        action) only while it surely did not land (429, no connection): an uncertain outcome goes
        back to the caller, whose `find` looks before anything is sent again."""
        async for attempt in retrying(self.settings.retry, uncertain=repeatable):
            with attempt:
                return await self._send(method, url, write=method != "GET", **kwargs)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- reads ----------------------------------------------------------------------------

    async def pages(
        self, path: str, *, route: str = STANDARD, params: Mapping[str, str] | None = None
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Every entity of a collection, page by page: `Prefer: odata.maxpagesize` and
        `@odata.nextLink` [BC-PAGING] (never $top/$skip [BC-TOPROWS])."""
        url: str | None = self.url(path, route)
        query: Mapping[str, str] | None = params
        headers = {"Prefer": f"odata.maxpagesize={self.settings.page_size}"}
        while url:
            body = _object(await self._retried("GET", url, params=query, headers=headers))
            values = body.get("value")
            if not isinstance(values, list):
                raise ContractError(f"Business Central GET {_path(url)}: no value list")
            yield values
            url, query = body.get(NEXT), None  # the link carries the query and the skip token

    async def all(self, path: str, *, route: str = STANDARD, **params: str) -> list[dict[str, Any]]:
        """`bc.all("purchaseOrders", **{"$filter": ...})`: every entity, all pages."""
        return [entity async for page in self.pages(path, route=route, params=params) for entity in page]

    async def get(self, path: str, *, route: str = STANDARD, **params: str) -> dict[str, Any] | None:
        """One entity, None when it does not exist (404)."""
        try:
            return _object(await self._retried("GET", self.url(path, route), params=params or None))
        except DataError as exc:
            if exc.status == 404:
                return None
            raise

    # -- writes ---------------------------------------------------------------------------

    async def create(self, path: str, body: dict[str, Any], *, route: str = STANDARD) -> dict[str, Any]:
        """POST an entity (201 with the entity [BC-PO-CREATE]). BC has no idempotency key, so a
        create whose outcome is uncertain is not repeated here: the caller looks first."""
        return _object(await self._retried("POST", self.url(path, route), repeatable=False, json=body))

    async def update(self, path: str, etag: str, fields: dict[str, Any], *, route: str = STANDARD) -> dict[str, Any]:
        """PATCH with `If-Match: <etag>` [BC-PO-UPDATE]: applies only to the version read. Setting
        fields to values is safe to repeat, except that a repeat after an answer was lost meets
        the new etag: the caller reads again (EtagMismatch)."""
        response = await self._retried("PATCH", self.url(path, route), json=fields, headers={"If-Match": etag})
        return _object(response)

    async def delete(self, path: str, etag: str, *, route: str = STANDARD) -> None:
        await self._retried("DELETE", self.url(path, route), headers={"If-Match": etag})

    async def action(self, path: str, name: str, *, route: str = STANDARD) -> None:
        """A bound action, `POST <entity>/Microsoft.NAV.<name>` answering 204 [BC-PO]. Posting
        actions are never repeated here: what happened is for the caller to find out."""
        await self._retried("POST", self.url(f"{path}/Microsoft.NAV.{name}", route), repeatable=False)

    async def subscriptions(
        self, method: str, path: str = "", body: dict[str, Any] | None = None, etag: str | None = None
    ) -> dict[str, Any]:
        """The webhook `subscriptions` endpoint, outside any company [BC-WEBHOOKS]."""
        url = f"{self.settings.environment_root}/{STANDARD}/subscriptions{path}"
        headers = {"If-Match": etag} if etag else None
        response = await self._retried(method, url, repeatable=method != "POST", json=body, headers=headers)
        return _object(response) if response.content else {}


def _path(url: str) -> str:
    return httpx.URL(url).path


def _object(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        raise ContractError(f"Business Central {_path(str(response.request.url))}: response is not JSON") from None
    if not isinstance(payload, dict):
        raise ContractError(f"Business Central {_path(str(response.request.url))}: expected a JSON object")
    return payload


def _message(response: httpx.Response) -> tuple[str | None, str]:
    """(code, message) of the error envelope `{"error": {"code", "message"}}` [BC-ERRORS]."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None, response.text[:300]
    if not isinstance(error, dict):
        return None, response.text[:300]
    return (str(error["code"]) if error.get("code") else None), str(error.get("message") or "")


def _raise_for_status(response: httpx.Response, *, write: bool) -> None:
    status = response.status_code
    if status < 400:
        return
    code, message = _message(response)
    where = f"Business Central {response.request.method} {_path(str(response.request.url))}"
    if status >= 500 or status in UNFINISHED:
        raise TransientError(f"{where}: HTTP {status} {code or ''} {message}".strip(), uncertain=write)
    if status == 401 or (code or "").startswith("Authentication_"):
        raise AuthError(
            f"{where}: {message or 'unauthorized'}: check BUSINESS_CENTRAL_TENANT_ID, BUSINESS_CENTRAL_CLIENT_ID and "
            "BUSINESS_CENTRAL_CLIENT_SECRET, and that the app is enabled on the Microsoft Entra applications page"
        )
    if status == 403 or (code or "").startswith("Authorization_"):
        raise AuthError(f"{where}: {message or 'forbidden'} ({code}): assign the app's permission sets in Business Central")
    if status == 412 or code == ENTITY_CHANGED:
        raise EtagMismatch(message or "the record changed since it was read", code=code, status=status)
    raise DataError(message or response.text[:300], code=code, status=status)
