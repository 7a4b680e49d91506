"""The Odoo client: one ORM call per request over JSON-2 (Odoo 19+) or JSON-RPC execute_kw (16-18).

Follows connectors/odoo/README.md. JSON-2 posts the named parameters to `/json/2/<model>/<method>`
with `Authorization: bearer <API key>` (and `X-Odoo-Database` when set) and answers the method's
value, or a 4xx/5xx error object `{name, message, arguments, context, debug}` [ODOO-JSON2].
JSON-RPC posts `{"jsonrpc": "2.0", "method": "call", "params": {"service": "object", "method":
"execute_kw", "args": [db, uid, key, model, method, args, kwargs]}}` to `/jsonrpc` after
`common.authenticate` gave the uid [ODOO-RPC], and answers HTTP 200 with `result` or `error:
{code, message, data: {name, message, ...}}` [ODOO-HTTP]. Each call is its own transaction,
committed on success, rolled back on error [ODOO-JSON2].

Reads are retried on transient errors. A write is never retried here: an answer lost after
sending may hide a commit, so it raises `TransientError(uncertain=True)` and the writer engine
asks the writer's `find` before writing again.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx

from connectors.errors import AuthError, ConfigError, ContractError, RateLimitedError, TransientError
from connectors.odoo.errors import SETTINGS_HINT, odoo_error
from connectors.odoo.settings import SUPPORTED_VERSIONS, OdooSettings
from connectors.retry import retrying
from connectors.tls import tls
from connectors.validation import shorten

# ORM methods that change nothing: retried freely, and never subject to commit-then-drop.
READS = frozenset({"search", "search_read", "search_count", "read", "fields_get", "name_search", "read_group", "context_get"})
USER_AGENT = "ion-sync (https://github.com/ion-sync)"
Domain = list[Any]


class OdooClient:
    """`async with OdooClient(settings) as odoo: await odoo.search_read("stock.quant", [...], ["quantity"])`."""

    def __init__(self, settings: OdooSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}  # [ODOO-JSON2] Request
        if settings.transport == "json2":
            headers["Authorization"] = f"bearer {settings.api_key.get_secret_value()}"
            if settings.database:
                headers["X-Odoo-Database"] = settings.database
        self._http = httpx.AsyncClient(
            base_url=settings.root,
            timeout=httpx.Timeout(settings.timeout_seconds),
            headers=headers,
            verify=tls(),
            transport=transport,
        )
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._ids = itertools.count(1)
        self.uid: int | None = None
        self.version: int = settings.version or 0
        self.requests = 0

    async def __aenter__(self) -> OdooClient:
        try:
            if self.settings.transport == "jsonrpc":
                await self._authenticate()
            if not self.version:
                self.version = await self._server_version()
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    # -- the ORM, as ion-sync uses it ---------------------------------------------------------

    async def call(self, model: str, method: str, ids: Sequence[int] | None = None, **params: Any) -> Any:
        """`model.browse(ids).method(**params)` in its own transaction; reads retried, writes not."""
        what = f"{model}.{method}"
        if method not in READS:
            return await self._once(model, method, ids, params, what)
        async for attempt in retrying(self.settings.retry):
            with attempt:
                return await self._once(model, method, ids, params, what)
        raise AssertionError("unreachable")  # pragma: no cover

    async def search_read(
        self,
        model: str,
        domain: Domain,
        fields: Sequence[str],
        *,
        order: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        context: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"domain": domain, "fields": list(fields), "offset": offset}
        if order:
            params["order"] = order
        if limit is not None:
            params["limit"] = limit
        if context:
            params["context"] = context
        rows = await self.call(model, "search_read", **params)
        if not isinstance(rows, list):
            raise ContractError(f"Odoo {model}.search_read answered {type(rows).__name__}, not a list")
        return rows

    async def pages(
        self, model: str, domain: Domain, fields: Sequence[str], order: str = "id"
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """search_read a page at a time (offset/limit, a stable `order`) until a short page."""
        size = self.settings.page_size
        for offset in itertools.count(0, size):
            rows = await self.search_read(model, domain, fields, order=order, limit=size, offset=offset)
            if rows:
                yield rows
            if len(rows) < size:
                return

    async def search_all(self, model: str, domain: Domain, fields: Sequence[str], order: str = "id") -> list[dict[str, Any]]:
        return [row async for page in self.pages(model, domain, fields, order) for row in page]

    async def create(self, model: str, values: dict[str, Any], context: dict[str, Any] | None = None) -> int:
        """One record; its id. `create(vals_list)`: JSON-2 takes it named, execute_kw by position."""
        extra: dict[str, Any] = {"context": context} if context else {}
        if self.settings.transport == "json2":
            created = await self.call(model, "create", None, vals_list=[values], **extra)
        else:
            created = await self.call(model, "create", None, _args=[[values]], **extra)
        ids = created if isinstance(created, list) else [created]
        if len(ids) != 1 or not isinstance(ids[0], int):
            raise ContractError(f"Odoo {model}.create answered {created!r}, not one id")
        return ids[0]

    async def write(self, model: str, ids: Sequence[int], values: dict[str, Any]) -> None:
        if self.settings.transport == "json2":
            await self.call(model, "write", ids, vals=values)
        else:
            await self.call(model, "write", ids, _args=[values])

    # -- transports -------------------------------------------------------------------------

    async def _once(self, model: str, method: str, ids: Sequence[int] | None, params: dict[str, Any], what: str) -> Any:
        write = method not in READS
        positional = params.pop("_args", [])
        if self.settings.transport == "json2":
            body = {**({"ids": list(ids)} if ids is not None else {}), **params}
            response = await self._post(f"/json/2/{model}/{method}", body, what, write)
            return self._json2_result(response, what, write)
        args = ([list(ids)] if ids is not None else []) + list(positional)
        assert self.uid is not None
        call = [self.settings.database, self.uid, self.settings.api_key.get_secret_value(), model, method, args, params]
        return await self._rpc("object", "execute_kw", call, what, write)

    async def _post(self, path: str, body: Any, what: str, write: bool) -> httpx.Response:
        async with self._slots:
            self.requests += 1
            try:
                return await self._http.post(path, json=body)
            except httpx.TimeoutException:
                raise TransientError(f"Odoo {what}: timed out", uncertain=write) from None
            except httpx.ConnectError as exc:  # never connected: nothing was sent
                raise TransientError(f"Odoo {what}: cannot connect ({type(exc).__name__})") from None
            except httpx.TransportError as exc:
                raise TransientError(f"Odoo {what}: connection lost ({type(exc).__name__})", uncertain=write) from None

    def _json2_result(self, response: httpx.Response, what: str, write: bool) -> Any:
        status = response.status_code
        if status == 200:
            return _json(response, what)
        if status == 429:
            raise RateLimitedError(f"Odoo {what}: 429 too many requests", retry_after=_retry_after(response))
        error = _json_or_none(response)
        if isinstance(error, dict) and isinstance(error.get("name"), str):  # Odoo's own error: rolled back
            raise odoo_error(error["name"], str(error.get("message") or ""), what, status)
        if status >= 500:  # a proxy's or a lost worker's answer: the call may have committed
            raise TransientError(f"Odoo {what}: HTTP {status}", uncertain=write)
        raise odoo_error("", shorten(response.text), what, status)

    async def _rpc(self, service: str, method: str, args: list[Any], what: str, write: bool = False) -> Any:
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
            "id": next(self._ids),
        }
        response = await self._post("/jsonrpc", body, what, write)
        if response.status_code == 429:
            raise RateLimitedError(f"Odoo {what}: 429 too many requests", retry_after=_retry_after(response))
        if response.status_code != 200:
            raise TransientError(f"Odoo {what}: HTTP {response.status_code}", uncertain=write)
        payload = _json(response, what)
        if not isinstance(payload, dict):
            raise ContractError(f"Odoo {what}: a JSON-RPC answer must be an object, got {type(payload).__name__}")
        error = payload.get("error")
        if isinstance(error, dict):
            data: dict[str, Any] = error["data"] if isinstance(error.get("data"), dict) else {}
            name = str(data.get("name") or "")
            if error.get("code") == 404 and not name:
                name = "werkzeug.exceptions.NotFound"
            raise odoo_error(name, str(data.get("message") or error.get("message") or ""), what)
        if "result" not in payload:
            raise ContractError(f"Odoo {what}: a JSON-RPC answer without result or error")
        return payload["result"]

    async def _authenticate(self) -> None:
        """`common.authenticate(db, login, key, {})`: the uid, or False for refused credentials [ODOO-RPC]."""
        secret = self.settings.api_key.get_secret_value()
        async for attempt in retrying(self.settings.retry):
            with attempt:
                uid = await self._rpc(
                    "common", "authenticate", [self.settings.database, self.settings.username, secret, {}], "login"
                )
        if not isinstance(uid, int) or isinstance(uid, bool) or uid <= 0:
            raise AuthError(f"Odoo refused the login of ODOO_USERNAME={self.settings.username}: {SETTINGS_HINT}")
        self.uid = uid

    async def _server_version(self) -> int:
        """The major version: JSON-2's `GET /web/version` [ODOO-JSON2 migration], JSON-RPC's
        `common.version` `server_version_info` [ODOO-RPC]."""
        async for attempt in retrying(self.settings.retry):
            with attempt:
                if self.settings.transport == "json2":
                    async with self._slots:
                        try:
                            response = await self._http.get("/web/version")
                        except httpx.TransportError as exc:
                            raise TransientError(f"Odoo /web/version: {type(exc).__name__}") from None
                    if response.status_code >= 500 or response.status_code == 429:
                        raise TransientError(f"Odoo /web/version: HTTP {response.status_code}")
                    info = _json(response, "/web/version").get("version_info")
                else:
                    info = (await self._rpc("common", "version", [], "version")).get("server_version_info")
        major = info[0] if isinstance(info, list) and info else None
        if not isinstance(major, int):
            raise ContractError(f"Odoo did not say its version ({info!r}): set ODOO_VERSION")
        if major < min(SUPPORTED_VERSIONS):
            raise ConfigError(f"Odoo {major} is older than ion-sync supports ({min(SUPPORTED_VERSIONS)}+)")
        return major


def _json(response: httpx.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ContractError(f"Odoo {what}: the answer is not JSON (HTTP {response.status_code})") from None


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
