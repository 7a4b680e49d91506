"""Bearer tokens from an OAuth 2.0 client-credentials grant, attached to every request.

authlib speaks the grant (client secret for ION, a signed JWT assertion for NetSuite);
this httpx.Auth keeps the token: fetched again shortly before it expires, and once more when
the server answers 401 anyway (a token revoked or expired early). A second 401 goes back to
the caller, whose error says which settings to check. Attaching a header costs nothing per
request, where authlib's own client rebuilds every request (a third of the client's CPU).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Mapping
from typing import Any, Self

import httpx

TokenFetcher = Callable[[], Awaitable[Mapping[str, Any]]]


class RefreshingBearer(httpx.Auth):
    def __init__(self, fetch: TokenFetcher, *, leeway: float = 60.0) -> None:
        self._fetch = fetch
        self._leeway = leeway
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0

    @property
    def token(self) -> str | None:
        return self._token

    def _fresh(self) -> bool:
        return self._token is not None and time.monotonic() < self._refresh_at

    async def refresh(self, stale: str | None = None) -> str:
        """A usable token: the current one if still fresh (or, given `stale`, if another
        request already replaced that one), else a newly fetched one."""
        async with self._lock:
            if self._token is not None and (self._token != stale if stale else self._fresh()):
                return self._token
            issued = await self._fetch()
            lifetime = float(issued.get("expires_in") or 300)
            self._token = str(issued["access_token"])
            self._refresh_at = time.monotonic() + lifetime - min(self._leeway, lifetime / 2)
            return self._token

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = self._token if self._fresh() else await self.refresh()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {await self.refresh(stale=token)}"
            yield request

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise TypeError("RefreshingBearer works with httpx.AsyncClient only")


class BearerClient:
    """What the clients holding a RefreshingBearer share (ION, Ramp, Business Central): `async with`
    gets the first token, so bad credentials fail there, before any write; leaving closes the API
    and token-endpoint HTTP clients, also when that first token is refused."""

    auth: RefreshingBearer
    _http: httpx.AsyncClient
    _token_http: httpx.AsyncClient

    async def __aenter__(self) -> Self:
        try:
            await self.auth.refresh()
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()
        await self._token_http.aclose()
