"""The NetSuite REST client: SuiteQL reads, record reads, and writes that land once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from connectors.auth import RefreshingBearer
from connectors.direct_http import DirectSender
from connectors.errors import (
    AuthError,
    ContractError,
    DataError,
    RateLimitedError,
    TransientError,
)
from connectors.netsuite.auth import NetSuiteAssertion, tba_auth
from connectors.netsuite.settings import NetSuiteSettings
from connectors.retry import retry_after, retrying
from connectors.shared_budget import held
from connectors.tls import tls

RECORD = "/services/rest/record/v1"
SUITEQL = "/services/rest/query/v1/suiteql"
DUPLICATE_HINTS = ("duplicate", "already exists", "unique")


@dataclass(frozen=True)
class WriteResult:
    """Where a write landed. `adopted`: it already existed (an earlier attempt had landed)."""

    target_id: str
    adopted: bool = False


class NetSuiteClient:
    """`async with NetSuiteClient(settings) as ns: ...`

    At most `settings.concurrency` requests are in flight at once, so the account's
    concurrency limit is used, not exceeded; a 429 that happens anyway (another integration
    shares the account) is waited out and retried.
    """

    def __init__(self, settings: NetSuiteSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        timeout = httpx.Timeout(settings.timeout_seconds)
        self._oauth: AsyncOAuth2Client | None = None
        self.auth: httpx.Auth
        if settings.auth == "oauth2":
            self._oauth = AsyncOAuth2Client(
                client_id=settings.client_id,
                token_endpoint=settings.token_url,
                token_endpoint_auth_method=NetSuiteAssertion(settings),
                timeout=timeout,
                verify=tls(),
                transport=transport,
            )
            self.auth = RefreshingBearer(self._fetch_token)
        else:
            self.auth = tba_auth(settings)
        # Absolute URLs, not a base_url: httpx parsed a relative URL, then the URL it made of it
        # with the base again (character by character), on every request.
        self._root = settings.root
        self._http = httpx.AsyncClient(
            auth=self.auth,
            timeout=timeout,
            limits=httpx.Limits(max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            verify=tls(),
            transport=transport,
        )
        self._direct = DirectSender(self._http, self._root)  # a transform per ION run: see connectors.direct_http
        self._slots = asyncio.Semaphore(settings.concurrency)
        self.requests = 0
        self.throttled = 0

    async def __aenter__(self) -> NetSuiteClient:
        try:
            if isinstance(self.auth, RefreshingBearer):
                await self.auth.refresh()  # bad credentials fail here, before any write
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()
        if self._oauth:
            await self._oauth.aclose()

    async def _fetch_token(self) -> dict[str, Any]:
        assert self._oauth is not None
        try:
            return await self._oauth.fetch_token(grant_type="client_credentials")
        except OAuthError as exc:
            raise AuthError(
                f"NetSuite refused the client-credentials assertion ({exc.error}): check NETSUITE_CLIENT_ID, "
                "NETSUITE_CERTIFICATE_ID, the private key and NETSUITE_JWT_ALGORITHM against the M2M setup"
            ) from None
        except httpx.TransportError as exc:
            raise TransientError(f"NetSuite token endpoint unreachable: {type(exc).__name__}") from None

    # -- transport ------------------------------------------------------------------------

    async def _send(self, method: str, path: str, *, write: bool, **kwargs: Any) -> httpx.Response:
        """One request, classified (401s are retried once by the auth); only its exchange holds a
        concurrency slot and its place in the shared budget (`_in_flight`)."""
        response = await self._request(method, path, write=write, **kwargs)
        if response.status_code == 429:
            self.throttled += 1
        _raise_for_status(response, write=write)
        return response

    async def _request(self, method: str, path: str, *, write: bool, **kwargs: Any) -> httpx.Response:
        try:
            return await self._direct.request(method, self._root + path, within=self._in_flight, **kwargs)
        except httpx.TimeoutException:
            raise TransientError(f"NetSuite {method} {path}: timed out", uncertain=write) from None
        except httpx.TransportError as exc:
            # A connection that was never made cannot have committed anything.
            uncertain = write and not isinstance(exc, httpx.ConnectError)
            raise TransientError(f"NetSuite {method} {path}: {type(exc).__name__}", uncertain=uncertain) from None

    @asynccontextmanager
    async def _in_flight(self) -> AsyncIterator[None]:
        """One request's time at NetSuite: a concurrency slot and its place in the shared budget."""
        async with self._slots, held(self.settings.budget):
            self.requests += 1
            yield

    async def _read(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async for attempt in retrying(self.settings.retry):
            with attempt:
                return await self._send(method, path, write=False, **kwargs)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- reads ----------------------------------------------------------------------------

    async def suiteql(self, query: str, params: Sequence[Any] = ()) -> AsyncIterator[dict[str, Any]]:
        """Every row of a SuiteQL query (`suiteql_pages`)."""
        async for page in self.suiteql_pages(query, params):
            for row in page:
                yield row

    async def suiteql_pages(self, query: str, params: Sequence[Any] = ()) -> AsyncIterator[list[dict[str, Any]]]:
        """Every page of a SuiteQL query (limit/offset, `Prefer: transient`), as NetSuite pages it.
        Keys are lower-case; NetSuite returns numbers as strings."""
        limit = self.settings.suiteql_page_size
        offset = 0
        body: dict[str, Any] = {"q": query}
        if params:
            body["params"] = [str(p) for p in params]
        while True:
            response = await self._read(
                "POST", SUITEQL, params={"limit": limit, "offset": offset}, json=body, headers={"Prefer": "transient"}
            )
            page = _json(response)
            items = page.get("items")
            if not isinstance(items, list):
                raise ContractError("NetSuite SuiteQL: response has no items list")
            for item in items:
                item.pop("links", None)
            yield items
            if not page.get("hasMore"):
                return
            offset += limit

    async def suiteql_all(self, query: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return [row async for row in self.suiteql(query, params)]

    async def get(self, record_type: str, record_id: str, *, expand: bool = False) -> dict[str, Any] | None:
        """A record by internal id or `eid:<externalId>`; None when it does not exist.
        `expand`: sublists (a PO's lines) inline, not as links (`expandSubResources`)."""
        params = {"expandSubResources": "true"} if expand else None
        try:
            response = await self._read("GET", f"{RECORD}/{record_type}/{quote(record_id, safe=':')}", params=params)
        except DataError as exc:
            if exc.status == 404:
                return None
            raise
        return _json(response)

    async def find_by_external_id(self, record_type: str, external_id: str) -> str | None:
        record = await self.get(record_type, f"eid:{external_id}")
        return str(record["id"]) if record and "id" in record else None

    # -- writes ---------------------------------------------------------------------------

    async def transform_once(
        self,
        from_type: str,
        from_id: str,
        to_type: str,
        body: dict[str, Any],
        *,
        external_id: str,
        check_first: bool,
        replace: Sequence[str] = (),
    ) -> WriteResult:
        """Create `to_type` from a record (e.g. a work-order completion from its work order)
        exactly once, keyed by `external_id` (which `body` must carry).

        A transform starts pre-filled from the source record; `replace` names the sublists whose
        pre-filled lines the body's lines replace (`?replace=component`), instead of being added
        to (Oracle, "Replacing a Sublist": section_1545297048)."""
        # The query in the path, not as `params`: httpx would parse the whole URL again to add
        # them (~35 µs of CPU a request).
        query = f"?{urlencode({'replace': ','.join(replace)})}" if replace else ""
        path = f"{RECORD}/{from_type}/{quote(from_id)}/!transform/{to_type}{query}"
        return await self._post_once(path, to_type, body, external_id=external_id, check_first=check_first)

    async def create_once(self, record_type: str, body: dict[str, Any], *, external_id: str, check_first: bool) -> WriteResult:
        """Create a record (e.g. a timeBill) exactly once, keyed by `external_id` (which `body`
        must carry)."""
        return await self._post_once(
            f"{RECORD}/{record_type}", record_type, body, external_id=external_id, check_first=check_first
        )

    async def _post_once(
        self,
        path: str,
        record_type: str,
        body: dict[str, Any],
        *,
        external_id: str,
        check_first: bool,
    ) -> WriteResult:
        """POST a `record_type` keyed by `external_id` so that it lands once.

        NetSuite has no idempotency key for synchronous writes, so: when the outcome of an
        earlier attempt is unknown (`check_first`, or a timeout, a dropped connection or a 5xx
        on this call), look the external id up before posting again, and treat "duplicate
        external id" as proof that an earlier attempt landed."""
        assert body.get("externalId") == external_id
        uncertain = check_first
        async for attempt in retrying(self.settings.retry):
            with attempt:
                if uncertain:
                    existing = await self.find_by_external_id(record_type, external_id)
                    if existing:
                        return WriteResult(existing, adopted=True)
                try:
                    response = await self._send("POST", path, write=True, json=body)
                except TransientError as exc:
                    uncertain = uncertain or exc.uncertain
                    raise
                except DataError as exc:
                    if any(hint in str(exc).lower() for hint in DUPLICATE_HINTS):
                        existing = await self.find_by_external_id(record_type, external_id)
                        if existing:
                            return WriteResult(existing, adopted=True)
                    raise
                return WriteResult(_id_from_location(response))
        raise AssertionError("unreachable")  # pragma: no cover

    async def update_by_external_id(self, record_type: str, external_id: str, fields: dict[str, Any]) -> WriteResult:
        """PATCH the record keyed `external_id` with `fields`. Setting fields to given values
        is idempotent, so a retry after an uncertain outcome simply sends it again."""
        path = f"{RECORD}/{record_type}/{quote(f'eid:{external_id}', safe=':')}"
        async for attempt in retrying(self.settings.retry):
            with attempt:
                response = await self._send("PATCH", path, write=True, json=fields)
                location = response.headers.get("location")
                return WriteResult(location.rstrip("/").rsplit("/", 1)[-1] if location else external_id)
        raise AssertionError("unreachable")  # pragma: no cover


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        raise ContractError(f"NetSuite {response.request.url.path}: response is not JSON") from None
    if not isinstance(payload, dict):
        raise ContractError(f"NetSuite {response.request.url.path}: expected a JSON object")
    return payload


def _id_from_location(response: httpx.Response) -> str:
    location = response.headers.get("location")
    if not location:
        raise ContractError(f"NetSuite {response.request.url.path}: HTTP {response.status_code} without a Location header")
    return location.rstrip("/").rsplit("/", 1)[-1]


def _raise_for_status(response: httpx.Response, *, write: bool) -> None:
    status = response.status_code
    if status < 400:
        return
    code, detail, path = _error_details(response)
    where = f"NetSuite {response.request.method} {response.request.url.path}"
    if status == 429 or code == "CONCURRENCY_LIMIT_EXCEEDED":
        raise RateLimitedError(f"{where}: {detail or 'too many requests'}", retry_after=retry_after(response))
    if status >= 500:
        raise TransientError(f"{where}: HTTP {status} {code or ''} {detail}".strip(), uncertain=write)
    if status == 401:
        raise AuthError(f"{where}: {detail or 'invalid login'}: check the NetSuite credentials and the role's permissions")
    if status == 403:
        raise AuthError(f"{where}: {detail or 'forbidden'} ({code}): the integration role lacks a permission")
    raise DataError(f"{detail or response.text[:300]}", code=code, field=path, status=status)


def _error_details(response: httpx.Response) -> tuple[str | None, str, str | None]:
    """(errorCode, detail, errorPath) from the RFC-7807-like body (reference §1.6)."""
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:300], None
    details = body.get("o:errorDetails") if isinstance(body, dict) else None
    first = details[0] if isinstance(details, list) and details and isinstance(details[0], dict) else {}
    code = first.get("o:errorCode") or (body.get("o:errorCode") if isinstance(body, dict) else None)
    detail = first.get("detail") or (body.get("title", "") if isinstance(body, dict) else "")
    return code, str(detail), first.get("o:errorPath")
