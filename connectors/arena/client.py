"""The Arena REST client: one login session shared by every client, the daily quota, paging, errors.

Follows `../shared/reference/arena.md` §1: `POST /login` returns `arena_session_id`, sent on
every request with `content-type: application/json` (a file upload is multipart/form-data
instead, §1.1); a second login of the same user cancels the first session (§1.2), so every
client in a process shares one session (`_Sessions`) and logs in again only when the session
it used was refused (401, e.g. the 90-minute idle expiry). Across processes the session lives
in a `SessionStore` (`session.py`); without one, the last client of a process logs out. Every
response carries `X-Arena-Requests-Remaining`; a request that would dip into the configured
reserve raises `QuotaExhausted` instead of being sent, so a flow stops cleanly and says
when the quota resets. Lists page with `offset`/`limit` (≤ 400) until a short page (§1.5:
`count` is the rows in this page, not a total). Error bodies `{"status", "errors": [{"code",
"message"}]}` become `connectors.errors` classes with Arena's own words.

ion-sync never changes an item in Arena: the only writes are reconciling queue events and
the feedback records (item files, change requests); their bodies are in `bodies.py`, each
call's source in `tests/contract/arena/README.md`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors.arena.session import SessionStore, SharedSession
from connectors.arena.settings import ArenaSettings
from connectors.errors import AuthError, ContractError, DataError, SyncError, TransientError
from connectors.retry import retrying
from connectors.tls import tls


class QuotaExhausted(SyncError):
    """Arena's daily request quota is (nearly) spent: stop cleanly, resume after the reset."""

    def __init__(self, message: str, *, remaining: int | None, reset: str | None) -> None:
        super().__init__(message)
        self.remaining = remaining
        self.reset = reset


@dataclass
class _Session:
    token: str | None = None
    users: int = 0
    logins: int = 0


@dataclass
class _Sessions:
    """Process-wide sessions by (API, user, workspace): a new login would cancel the old one."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    by_key: dict[tuple[str, str, int | None], _Session] = field(default_factory=dict)

    def get(self, settings: ArenaSettings) -> _Session:
        with self.lock:
            return self.by_key.setdefault((settings.base, settings.email, settings.workspace_id), _Session())


SESSIONS = _Sessions()
JSON = {"content-type": "application/json"}  # on every request but a file upload (§1.1)


@dataclass
class Quota:
    """What Arena last said about today's request quota (§1.3)."""

    remaining: int | None = None
    reset: str | None = None


class ArenaClient:
    """`async with ArenaClient(settings) as arena: async for page in arena.pages("/items", {...})`."""

    def __init__(
        self,
        settings: ArenaSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        store: SessionStore | None = None,
    ) -> None:
        """`store`: share the session with other processes (see `session.py`); the login then
        runs in a worker thread over a blocking client (on `transport` when it can send blocking,
        as `httpx.MockTransport` can), since the store holds its lock while logging in."""
        self.settings = settings
        self.session = SESSIONS.get(settings)
        self.shared = SharedSession(store, settings) if store is not None else None
        self._blocking_transport = transport if isinstance(transport, httpx.BaseTransport) else None
        self.quota = Quota()
        self.requests = 0
        self._http = httpx.AsyncClient(
            base_url=settings.base,
            timeout=httpx.Timeout(settings.timeout_seconds),
            verify=tls(),
            transport=transport,
        )

    async def __aenter__(self) -> ArenaClient:
        with SESSIONS.lock:
            self.session.users += 1
        try:
            if self.session.token is None:
                await self._login(None)
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        with SESSIONS.lock:
            self.session.users -= 1
            last = self.session.users <= 0
            token = self.session.token if last and self.shared is None else None
            if last:
                self.session.token = None
        # Log out when done (§1.2), unless the store shares the session: other processes may be
        # using it, and Arena's idle expiry ends it. A failed logout changes nothing already done.
        if token:
            with contextlib.suppress(httpx.HTTPError):
                await self._http.put("/logout", headers={"arena_session_id": token, **JSON})
        await self._http.aclose()

    async def _login(self, refused: str | None) -> str:
        """Log in, unless another client already replaced the refused session; with a store,
        another process's session (the stored one) counts too."""
        with SESSIONS.lock:
            if self.session.token is not None and self.session.token != refused:
                return self.session.token
        if self.shared is not None:
            token = await asyncio.to_thread(self.shared.renew, refused, self._login_blocking)
        else:
            with _login_failure():
                response = await self._http.send(self._login_request())
            token = _session_id(response)
            with SESSIONS.lock:
                self.session.logins += 1
        with SESSIONS.lock:
            self.session.token = token
        return token

    def _login_request(self) -> httpx.Request:
        body: dict[str, Any] = {"email": self.settings.email, "password": self.settings.password.get_secret_value()}
        if self.settings.workspace_id is not None:
            body["workspaceId"] = self.settings.workspace_id
        return self._http.build_request("POST", "/login", json=body, headers=JSON)

    def _login_blocking(self) -> str:
        """The login for the store, sent from its worker thread while it holds the session's lock."""
        with _login_failure(), httpx.Client(timeout=self._http.timeout, verify=tls(), transport=self._blocking_transport) as http:
            response = http.send(self._login_request())
        token = _session_id(response)
        with SESSIONS.lock:
            self.session.logins += 1
        return token

    # --- requests -------------------------------------------------------------------------------

    def _check_quota(self, what: str) -> None:
        remaining = self.quota.remaining
        if remaining is not None and remaining <= self.settings.quota_reserve:
            raise QuotaExhausted(
                f"Arena's daily request quota is nearly used up: {remaining} request(s) left and ARENA_QUOTA_RESERVE="
                f"{self.settings.quota_reserve} are kept back, so ion-sync stopped before {what}. The quota resets "
                f"{self.quota.reset or 'at midnight Pacific'}; the next run carries on from here.",
                remaining=remaining,
                reset=self.quota.reset,
            )

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        form: dict[str, str] | None = None,
        upload: tuple[str, bytes, str] | None = None,
    ) -> httpx.Response:
        """One request (a JSON body, or a multipart `form` with the file `upload`), logging in
        again once on 401; an error answer raises, a success is returned as it came."""
        what = f"{method} {path}"
        write = method in ("POST", "PUT")
        # httpx writes the multipart content-type (with its boundary) itself
        headers = {} if upload is not None else dict(JSON)
        for attempt in range(2):
            self._check_quota(what)
            token = self.session.token or await self._login(None)
            try:
                response = await self._http.request(
                    method,
                    path,
                    params=params,
                    json=json,
                    data=form,
                    files={"content": upload} if upload is not None else None,
                    headers={**headers, "arena_session_id": token},
                )
            except httpx.TimeoutException:
                raise TransientError(f"Arena {what}: timed out", uncertain=write) from None
            except httpx.TransportError as exc:
                raise TransientError(
                    f"Arena {what}: connection failed ({type(exc).__name__})",
                    uncertain=write and not isinstance(exc, httpx.ConnectError),
                ) from None
            self.requests += 1
            self._read_quota(response)
            if response.status_code == 401 and attempt == 0:
                await self._login(token)  # expired (90 min idle) or cancelled by a newer login
                continue
            self._raise_for_error(response, what, write)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _read_quota(self, response: httpx.Response) -> None:
        remaining = response.headers.get("x-arena-requests-remaining")
        if remaining is not None:
            with contextlib.suppress(ValueError):
                self.quota.remaining = int(remaining)
        self.quota.reset = response.headers.get("x-arena-next-request-limit-reset") or self.quota.reset

    def _raise_for_error(self, response: httpx.Response, what: str, write: bool) -> None:
        status = response.status_code
        if status < 300:
            return
        detail = _describe(response)
        if status == 429:
            self.quota.remaining = 0
            raise QuotaExhausted(
                f"Arena's daily request quota is used up ({detail}); ion-sync stopped. It resets "
                f"{self.quota.reset or 'at midnight Pacific'}; the next run carries on from here.",
                remaining=0,
                reset=self.quota.reset,
            )
        if status >= 500:
            raise TransientError(f"Arena {what}: server error {detail}", uncertain=write)
        if status == 401:
            raise AuthError(f"Arena {what}: {detail}: refused even after a fresh login; check the user's API access")
        if status == 403:
            raise AuthError(f"Arena {what}: {detail}: the integration user lacks the privilege")
        if status == 415:
            raise ContractError(f"Arena {what}: {detail}")
        code, _message = _first_error(response)
        raise DataError(f"Arena {what}: {detail}", code=str(code) if code is not None else None, status=status)

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """A read, retried on transient errors (never on quota, auth or data errors)."""
        async for attempt in retrying(self.settings.retry):
            with attempt:
                return _json(await self._send("GET", path, params=params), f"GET {path}")
        raise AssertionError("unreachable")  # pragma: no cover

    async def write(self, method: str, path: str, body: dict[str, Any]) -> Any:
        """A write, sent once: only the caller knows how to check whether it landed."""
        return _json(await self._send(method, path, json=body), f"{method} {path}")

    async def pages(self, path: str, params: dict[str, Any] | None = None) -> AsyncIterator[list[dict[str, Any]]]:
        """Every page of a list, `offset` += `limit` until a page comes back short."""
        offset = 0
        limit = self.settings.page_size
        while True:
            body = await self.get(path, {**(params or {}), "offset": offset, "limit": limit})
            rows = _results(body, path)
            yield rows
            if len(rows) < limit:
                return
            offset += limit

    async def all(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return [row async for page in self.pages(path, params) for row in page]

    # --- the calls ion-sync makes ----------------------------------------------------------------

    async def item(self, guid: str) -> dict[str, Any]:
        """The effective revision of an item, or the revision a revision GUID names (§1.5)."""
        return await self.get(f"/items/{guid}")

    async def bom(self, guid: str) -> list[dict[str, Any]]:
        """Immediate children of an item or of one of its revisions (§1.7; no paging documented)."""
        return _results(await self.get(f"/items/{guid}/bom"), "bom")

    async def change_items(self, change_guid: str) -> list[dict[str, Any]]:
        return _results(await self.get(f"/changes/{change_guid}/items"), "change items")

    def _events_path(self) -> str:
        if not self.settings.integration_guid:
            raise SyncError("ARENA_INTEGRATION_GUID is not set: there is no event queue to read")
        return f"/outboundintegrations/{self.settings.integration_guid}/events"

    async def pending_events(self) -> list[dict[str, Any]]:
        """Unreconciled events, oldest first (Arena: process them by creation time)."""
        events = await self.all(self._events_path(), {"itemsReconciled": "false"})
        return sorted(events, key=lambda e: str(e.get("creationDateTime")))

    async def event_items(self, event_guid: str) -> list[dict[str, Any]]:
        """The event's items not yet reconciled (Arena's default for `reconciled`, §1.9)."""
        return await self.all(f"{self._events_path()}/{event_guid}/items", {"reconciled": "false"})

    async def reconcile_event(self, event_guid: str) -> dict[str, Any]:
        """Acknowledge an event (idempotent in Arena: the same value again is a no-op, §1.9)."""
        return await self.write("PUT", f"{self._events_path()}/{event_guid}", {"itemsReconciled": True})

    async def item_files(self, item_guid: str) -> list[dict[str, Any]]:
        """The item's file associations (no paging documented), each `{guid, file {title, name, …}, primary, …}`."""
        return _results(await self.get(f"/items/{item_guid}/files"), "item files")

    async def upload_item_file(
        self, item_guid: str, fields: dict[str, str], filename: str, content: bytes, mime_type: str
    ) -> str:
        """Upload a file with content onto an item: multipart/form-data with the text attributes
        (`bodies.item_file_fields`) and the file as `content`. Arena answers 201 with no JSON;
        the new association's GUID is the `X-Arena-ItemFileAssociation-Guid` header
        ([AR Endpoints/Item Files/endpoint_upload_file_to_item.md])."""
        path = f"/items/{item_guid}/files"
        response = await self._send("POST", path, form=fields, upload=(filename, content, mime_type))
        guid = response.headers.get("x-arena-itemfileassociation-guid")
        if not guid:
            raise ContractError(f"Arena POST {path}: no X-Arena-ItemFileAssociation-Guid header in the answer")
        return guid

    async def find_requests(self, title_prefix: str) -> list[dict[str, Any]]:
        return await self.all("/requests", {"title": f"{_escape(title_prefix)}*"})

    async def create_request(self, body: dict[str, Any]) -> dict[str, Any]:
        """A new change request (`bodies.request_body`); Arena answers the request, UNSUBMITTED."""
        return await self.write("POST", "/requests", body)

    async def request_items(self, request_guid: str) -> list[dict[str, Any]]:
        """The items on a request (no paging documented)."""
        return _results(await self.get(f"/requests/{request_guid}/items"), "request items")

    async def add_request_item(self, request_guid: str, body: dict[str, Any]) -> dict[str, Any]:
        """Attach an item to a request (`bodies.request_item_body`)."""
        return await self.write("POST", f"/requests/{request_guid}/items", body)

    # --- workspace settings, read by the preflight -------------------------------------------------

    async def request_category(self, guid: str) -> dict[str, Any]:
        return await self.get(f"/settings/requests/categories/{guid}")

    async def request_prefixes(self) -> list[dict[str, Any]]:
        return _results(await self.get("/settings/requests/numbersequenceprefixes"), "request number prefixes")

    async def file_category(self, guid: str) -> dict[str, Any]:
        return await self.get(f"/settings/files/categories/{guid}")

    async def integration(self) -> dict[str, Any]:
        return await self.get(f"/outboundintegrations/{self.settings.integration_guid}")


@contextlib.contextmanager
def _login_failure() -> Iterator[None]:
    try:
        yield
    except httpx.TransportError as exc:
        raise TransientError(f"Arena login: connection failed ({type(exc).__name__})") from None


def _session_id(response: httpx.Response) -> str:
    """The `arena_session_id` of a login answer (§1.2), or the error saying what to check."""
    if response.status_code >= 500:
        raise TransientError(f"Arena login: server error {_describe(response)}")
    if response.status_code != 200:
        raise AuthError(
            f"Arena refused the login ({_describe(response)}): check ARENA_EMAIL, ARENA_PASSWORD and ARENA_WORKSPACE_ID, "
            "and that the user is an Employee/Partner user with API access"
        )
    token = _json(response, "login").get("arena_session_id")
    if not isinstance(token, str):
        raise ContractError("Arena login: no arena_session_id in the answer")
    return token


def _escape(text: str) -> str:
    """A literal `*` would be a wildcard (§1.5), so it is dropped; httpx already sends `%` as
    `%25` and `+` as `%2B`, as Arena asks."""
    return text.replace("*", "")


def _json(response: httpx.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ContractError(f"Arena {what}: the answer is not JSON (HTTP {response.status_code})") from None


def _results(body: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        raise ContractError(f"Arena {what}: expected {{count, results}}, got {str(body)[:200]}")
    return body["results"]


def _first_error(response: httpx.Response) -> tuple[int | None, str | None]:
    try:
        errors = response.json().get("errors") or []
    except (ValueError, AttributeError):
        return None, None
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    return first.get("code"), first.get("message")


def _describe(response: httpx.Response) -> str:
    """`HTTP 400 [3011] The guid "…" is not valid.` from an `errors[]` body (§1.4)."""
    try:
        errors = response.json().get("errors") or []
        text = "; ".join(f"[{e.get('code')}] {e.get('message')}" for e in errors if isinstance(e, dict))
    except (ValueError, AttributeError):
        text = response.text[:200]
    return f"HTTP {response.status_code} {text}".strip()
