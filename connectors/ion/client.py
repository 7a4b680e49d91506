"""The ION GraphQL client: token handling, error classification, Relay pagination."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from connectors.auth import BearerClient, RefreshingBearer
from connectors.direct_http import DirectSender
from connectors.errors import (
    AuthError,
    ContractError,
    DataError,
    RateLimitedError,
    TransientError,
)
from connectors.ion.queries import Query
from connectors.ion.range_filters import matches, split_filters
from connectors.ion.settings import IonSettings
from connectors.retry import retry_after, retrying
from connectors.tls import tls


@dataclass(frozen=True)
class Page:
    """One page of a Relay connection."""

    nodes: list[dict[str, Any]]
    end_cursor: str | None
    has_next: bool
    total: int | None


class IonClient(BearerClient):
    """`async with IonClient(settings) as ion: async for page in ion.pages(...)`.

    The access token comes from the client-credentials grant (authlib) and is renewed before
    it expires and once more if ION answers 401 anyway (`connectors.auth.RefreshingBearer`);
    a second 401 is an AuthError that says which settings to check.
    """

    def __init__(self, settings: IonSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        timeout = httpx.Timeout(settings.timeout_seconds)
        self._token_http: AsyncOAuth2Client = AsyncOAuth2Client(
            client_id=settings.client_id,
            client_secret=settings.client_secret.get_secret_value(),
            token_endpoint=str(settings.auth_url),
            token_endpoint_auth_method="client_secret_post",
            timeout=timeout,
            verify=tls(),
            transport=transport,
        )
        self.auth = RefreshingBearer(self._fetch_token)
        self._http = httpx.AsyncClient(
            auth=self.auth,
            timeout=timeout,
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=20),
            verify=tls(),
            transport=transport,
        )
        # Straight to the pool (connectors.direct_http): besides the client's layer, this keeps a page's
        # answer out of httpx's response <-> stream cycle, so its body (~1 MB for 200 runs) is freed
        # when parsed, not at a rare full collection (benchmarks/consumption.py: peak RSS grew with the run).
        self._graphql = DirectSender(self._http, self.settings.graphql_url)

    async def _fetch_token(self) -> dict[str, Any]:
        extra = {"audience": self.settings.audience} if self.settings.audience else {}
        try:
            return await self._token_http.fetch_token(grant_type="client_credentials", **extra)
        except OAuthError as exc:
            raise AuthError(
                f"ION refused the API key at {self.settings.auth_url} ({exc.error}): check ION_CLIENT_ID, "
                "ION_CLIENT_SECRET and that the key belongs to this ION environment"
            ) from None
        except httpx.TransportError as exc:
            raise TransientError(f"ION token endpoint unreachable: {type(exc).__name__}") from None

    async def execute(self, query: Query, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run a document and return its `data`. Reads are retried on transient errors;
        a mutation is not retried here, since only its caller knows how to check it landed."""
        if query.is_mutation:
            return await self._execute_once(query, variables or {})
        async for attempt in retrying(self.settings.retry):
            with attempt:
                return await self._execute_once(query, variables or {})
        raise AssertionError("unreachable")  # pragma: no cover

    async def _execute_once(self, query: Query, variables: dict[str, Any]) -> dict[str, Any]:
        body = {"query": query.text, "variables": variables, "operationName": None}
        return _data(query, await self._post(body, query))

    async def _post(self, body: dict[str, Any], query: Query) -> httpx.Response:
        try:
            return await self._graphql.request("POST", self.settings.graphql_url, json=body)
        except httpx.TimeoutException:
            raise TransientError(f"ION {query.name}: timed out", uncertain=query.is_mutation) from None
        except httpx.TransportError as exc:
            raise TransientError(
                f"ION {query.name}: connection failed ({type(exc).__name__})",
                uncertain=query.is_mutation and not isinstance(exc, httpx.ConnectError),
            ) from None

    async def page(self, query: Query, connection: str, variables: dict[str, Any], *, first: int, after: str | None) -> Page:
        kept_back: dict[str, dict[str, Any]] = {}
        if self.settings.range_filters == "client" and variables.get("filters"):
            server, kept_back = split_filters(variables["filters"])
            variables = {**variables, "filters": server}
        data = await self.execute(query, {**variables, "first": first, "after": after})
        try:
            conn = data[connection]
            info = conn["pageInfo"]
            nodes = [edge["node"] for edge in conn["edges"]]
            page = Page(
                nodes=[n for n in nodes if matches(n, kept_back, query.name)] if kept_back else nodes,
                end_cursor=info.get("endCursor"),
                has_next=bool(info["hasNextPage"]),
                total=None if kept_back else info.get("totalCount"),
            )
        except (KeyError, TypeError) as exc:
            raise ContractError(f"ION {query.name}: unexpected connection shape ({exc!r})") from None
        return page

    async def read_step(self, query: Query, connection: str, variables: dict[str, Any], *, after: str | None) -> Page:
        """A sync's next step: the `pages_per_step` pages from `after` (fewer at the connection's
        end), read one after another, as one Page. A step, not a page, is what a sync fetches,
        plans and posts as one task run each: a task run costs the same whatever it carries
        (~16 ms of CPU between the run and its Prefect API, benchmarks/consumption.py), and ION's
        page size is bounded by what ION allows (unpublished), the step's is not."""
        read: list[Page] = []
        async with aclosing(self.pages(query, connection, variables, after=after)) as pages:
            async for page in pages:
                read.append(page)
                if len(read) == self.settings.pages_per_step:
                    break
        if len(read) == 1:
            return read[0]
        last = read[-1]
        return Page([node for page in read for node in page.nodes], last.end_cursor, last.has_next, read[0].total)

    async def pages(
        self,
        query: Query,
        connection: str,
        variables: dict[str, Any] | None = None,
        *,
        first: int | None = None,
        after: str | None = None,
    ) -> AsyncGenerator[Page, None]:
        """Every page of a connection from `after`, following `endCursor` while `hasNextPage`."""
        while True:
            page = await self.page(query, connection, variables or {}, first=first or self.settings.page_size, after=after)
            yield page
            if not page.has_next or not page.end_cursor:
                return
            after = page.end_cursor


def _data(query: Query, response: httpx.Response) -> dict[str, Any]:
    status = response.status_code
    if status == 429:
        raise RateLimitedError(f"ION {query.name}: rate limited (429)", retry_after=retry_after(response))
    if status >= 500:
        raise TransientError(f"ION {query.name}: server error {status}", uncertain=query.is_mutation)
    if status == 401:
        raise AuthError(
            f"ION {query.name}: a freshly issued token was refused (401): check that the API key is enabled and "
            "that ION_API_URL and ION_AUTH_URL point at the same ION environment"
        )
    if status == 403:
        raise AuthError(f"ION {query.name}: forbidden (403): the API key lacks permission")
    if status >= 400:
        raise ContractError(f"ION {query.name}: HTTP {status}: {response.text[:300]}")
    try:
        payload = response.json()
    except ValueError:
        raise ContractError(f"ION {query.name}: response is not JSON (HTTP {status})") from None
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if errors:
        messages = "; ".join(str(e.get("message", e)) for e in errors)
        lowered = messages.lower()
        if "permission" in lowered:
            raise AuthError(f"ION {query.name}: {messages}")
        if "etag" in lowered:
            raise DataError(f"ION {query.name}: {messages}", code="ETAG_MISMATCH")
        if query.is_mutation:  # ION refused the write (a business rule, an unknown attribute): about the data
            raise DataError(f"ION {query.name}: {messages}", code="REJECTED")
        raise ContractError(f"ION {query.name}: GraphQL errors: {messages}")
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict):
        raise ContractError(f"ION {query.name}: response has no data")
    return data
