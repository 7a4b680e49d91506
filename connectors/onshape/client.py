"""The Onshape REST client: signed requests, `next`-link paging, Retry-After, typed reads.

Follows the package README (each fact with its source). Every request is authenticated one of
Onshape's three ways (`signing.OnshapeHmac`, HTTP Basic with the key pair, or an OAuth2
bearer); 307 redirects are followed here so that each hop is signed for its own URL; lists
follow the `next` URI of each page (BTListResponse) without changing the other parameters, as
Onshape asks. Reads are retried on transient errors (429 waits the `Retry-After` seconds);
writes are sent once, since only the caller knows how to check whether one landed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from connectors.errors import ContractError, DataError, TransientError
from connectors.onshape.errors import raise_for_status
from connectors.onshape.models import Bom, Comment, Page, PartMetadata, ReleasePackage, Revision, Webhook
from connectors.onshape.settings import OnshapeSettings
from connectors.onshape.signing import JSON, OnshapeHmac
from connectors.retry import retrying
from connectors.tls import tls

M = TypeVar("M", bound=BaseModel)
MAX_REDIRECTS = 3
ACCEPT = "application/json;charset=UTF-8; qs=0.09"  # the Accept of every Glassworks example


def _auth(settings: OnshapeSettings) -> tuple[httpx.Auth, str]:
    """The httpx auth for the configured scheme, and the settings to name when it is refused."""
    if settings.auth == "oauth2":
        assert settings.oauth_token is not None
        token = settings.oauth_token.get_secret_value()
        return _Bearer(token), "ONSHAPE_OAUTH_TOKEN (expired or revoked?) and ONSHAPE_API_URL"
    assert settings.access_key and settings.secret_key is not None
    keys = "ONSHAPE_ACCESS_KEY, ONSHAPE_SECRET_KEY and ONSHAPE_API_URL"
    if settings.auth == "basic":
        return httpx.BasicAuth(settings.access_key, settings.secret_key.get_secret_value()), keys
    return OnshapeHmac(settings.access_key, settings.secret_key.get_secret_value()), keys


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class OnshapeClient:
    """`async with OnshapeClient(settings) as onshape: ...`"""

    def __init__(self, settings: OnshapeSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        auth, self._credentials = _auth(settings)
        self.requests = 0
        self.rate_limit_remaining: int | None = None  # X-Rate-Limit-Remaining of the last answer
        self._http = httpx.AsyncClient(
            auth=auth,
            base_url=settings.base,
            timeout=httpx.Timeout(settings.timeout_seconds),
            headers={"Accept": ACCEPT},
            follow_redirects=False,
            verify=tls(),
            transport=transport,
        )

    async def __aenter__(self) -> OnshapeClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    # --- transport ----------------------------------------------------------------------------

    async def _send(self, method: str, url: str, *, params: dict[str, Any] | None = None, json: Any = None) -> httpx.Response:
        write = method != "GET"
        what = f"Onshape {method} {url.split('?')[0]}"
        headers = {"Content-Type": JSON} if json is not None else None
        for _hop in range(MAX_REDIRECTS + 1):
            self.requests += 1
            try:
                response = await self._http.request(method, url, params=params, json=json, headers=headers)
            except httpx.TimeoutException:
                raise TransientError(f"{what}: timed out", uncertain=write) from None
            except httpx.TransportError as exc:
                uncertain = write and not isinstance(exc, httpx.ConnectError)
                raise TransientError(f"{what}: connection failed ({type(exc).__name__})", uncertain=uncertain) from None
            remaining = response.headers.get("x-rate-limit-remaining")
            if remaining is not None and remaining.isdigit():
                self.rate_limit_remaining = int(remaining)
            if response.status_code == 307 and response.headers.get("location"):
                url, params = response.headers["location"], None  # the Location carries its own query
                continue
            raise_for_status(response, write=write, credentials=self._credentials)
            return response
        raise ContractError(f"{what}: more than {MAX_REDIRECTS} redirects")

    async def get(self, url: str, params: dict[str, Any] | None = None) -> Any:
        """A read, retried on transient errors; None for 204 No Content."""
        async for attempt in retrying(self.settings.retry):
            with attempt:
                response = await self._send("GET", url, params=params)
                return None if response.status_code == 204 else _json(response)
        raise AssertionError("unreachable")  # pragma: no cover

    async def write(self, method: str, url: str, body: Any) -> Any:
        return _json(await self._send(method, url, json=body))

    async def pages(self, url: str, params: dict[str, Any] | None, model: type[M]) -> AsyncIterator[list[M]]:
        """Every page of a BTListResponse, following `next` until it is absent."""
        page_type = Page[model]  # type: ignore[valid-type]
        next_url: str | None = url
        query = params
        while next_url:
            page = _parse(page_type, await self.get(next_url, query), url)
            yield list(page.items)
            next_url, query = page.next, None

    # --- the calls ion-sync makes ----------------------------------------------------------------

    async def session_info(self) -> dict[str, Any]:
        """Who the credentials are (GET /users/sessioninfo): the preflight's first call."""
        return dict(await self.get("/users/sessioninfo"))

    def revisions(
        self, *, after: datetime | None = None, latest_only: bool = False, element_type: int | None = None
    ) -> AsyncIterator[list[Revision]]:
        """Every revision of the company created at or after `after` (enumerateRevisions: a
        company admin's call; `limit` at most 100; `after` is the earliest creation date)."""
        params: dict[str, Any] = {"limit": self.settings.page_size, "latestOnly": str(latest_only).lower()}
        if after is not None:
            moment = after if after.tzinfo else after.replace(tzinfo=UTC)  # the ledger's watermarks are UTC
            params["after"] = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
        if element_type is not None:
            params["elementType"] = element_type
        return self.pages(f"/revisions/companies/{self.settings.company_id}", params, Revision)

    async def revision_history(self, part_number: str, element_type: int = -1) -> list[Revision]:
        """Every revision of a part number (-1: any element type)."""
        body = await self.get(
            f"/revisions/companies/{self.settings.company_id}/partnumber/{_segment(part_number)}", {"elementType": element_type}
        )
        return list(_parse(Page[Revision], body, "revision history").items)

    async def latest_revision(self, part_number: str, element_type: int) -> Revision | None:
        """The part number's latest revision; None when it has none (Onshape answers 204)."""
        body = await self.get(f"/revisions/c/{self.settings.company_id}/p/{_segment(part_number)}/latest", {"et": element_type})
        return None if body is None else _parse(Revision, body, "latest revision")

    async def bom(self, document_id: str, version_id: str, element_id: str, *, multi_level: bool = True) -> Bom:
        """The BOM of an assembly at a document version (immutable): the structured (indented) BOM,
        every level expanded unless `multi_level` is False, generated if Onshape has none stored yet."""
        path = f"/assemblies/d/{document_id}/v/{version_id}/e/{element_id}/bom"
        params = {"indented": "true", "multiLevel": str(multi_level).lower(), "generateIfAbsent": "true"}
        return _parse(Bom, await self.get(path, params), "bom")

    async def default_workspace(self, document_id: str) -> str:
        """The id of a document's default workspace (getDocument: `defaultWorkspace.id`)."""
        document = await self.get(f"/documents/{document_id}")
        workspace = (document or {}).get("defaultWorkspace") if isinstance(document, dict) else None
        if not isinstance(workspace, dict) or not workspace.get("id"):
            raise ContractError(f"Onshape GET /documents/{document_id}: no defaultWorkspace.id")
        return str(workspace["id"])

    async def parts(self, document_id: str, workspace_id: str) -> list[PartMetadata]:
        """Every part of a document's workspace, released or not (getPartsWMV)."""
        return list(_parse(list[PartMetadata], await self.get(f"/parts/d/{document_id}/w/{workspace_id}"), "parts"))

    async def release_package(self, release_id: str) -> ReleasePackage:
        return _parse(ReleasePackage, await self.get(f"/releasepackages/{release_id}", {"detailed": "true"}), "release package")

    def comments(self, document_id: str, element_id: str | None = None) -> AsyncIterator[list[Comment]]:
        """A document's comments, oldest first, resolved ones included."""
        params: dict[str, Any] = {"did": document_id, "limit": min(self.settings.page_size, 200), "resolved": "true"}
        if element_id:
            params["eid"] = element_id
        return self.pages("/comments", params, Comment)

    async def create_comment(self, body: dict[str, Any]) -> Comment:
        """POST /comments (BTCommentParams): sent once."""
        return _parse(Comment, await self.write("POST", "/comments", body), "comment")

    # --- webhooks ------------------------------------------------------------------------------

    async def create_webhook(self, body: dict[str, Any]) -> Webhook:
        """POST /webhooks (BTWebhookParams). Onshape then POSTs `webhook.register` to the URL and
        cancels the registration unless it answers 200."""
        return _parse(Webhook, await self.write("POST", "/webhooks", body), "webhook")

    async def webhooks(self) -> list[Webhook]:
        params = {"company": self.settings.company_id, "limit": 20}  # getWebhooks: limit at most 20
        return [hook async for page in self.pages("/webhooks", params, Webhook) for hook in page]

    async def delete_webhook(self, webhook_id: str) -> None:
        try:
            await self._send("DELETE", f"/webhooks/{webhook_id}")
        except DataError as exc:
            if exc.status != 404:
                raise

    async def ping_webhook(self, webhook_id: str) -> None:
        await self._send("POST", f"/webhooks/{webhook_id}/ping")


def _segment(text: str) -> str:
    """A part number as one path segment (a part number may hold `/` or spaces)."""
    return quote(text, safe="")


def _json(response: httpx.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise ContractError(
            f"Onshape {response.request.method} {response.request.url.path}: the answer is not JSON (HTTP {response.status_code})"
        ) from None


def _parse(model: Any, body: Any, what: str) -> Any:
    try:
        return TypeAdapter(model).validate_python(body)
    except ValidationError as exc:
        raise ContractError(f"Onshape {what}: unexpected shape: {exc.errors(include_url=False)[:3]}") from None
