"""How uvicorn serves the receiver: no sender can hold a connection for long.

uvicorn closes idle keep-alive connections (`timeout_keep_alive`) and bounds connections and
requests (`limit_concurrency`: 503 beyond it), but waits forever for a request head that never
finishes: `HeadTimeoutH11` closes a connection whose head has not fully arrived within the
head timeout (counted from the connection, or from the previous response). The app itself
bounds the body (`ReceiverSettings.body_timeout_seconds`: 408).
"""

from __future__ import annotations

import asyncio

import h11
import uvicorn
from starlette.applications import Starlette
from uvicorn.protocols.http.h11_impl import H11Protocol

from ion_sync.webhooks.app import ReceiverSettings


class HeadTimeoutH11(H11Protocol):
    head_timeout: float = 10.0
    _responses = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._responses += 1
        self._head_deadline()

    def _head_deadline(self) -> None:
        self.loop.call_later(self.head_timeout, self._close_without_head, self._responses)

    def _close_without_head(self, responses: int) -> None:
        # No response since the deadline was set, and h11 still waits for a whole request head.
        if responses == self._responses and self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def server_config(app: Starlette, settings: ReceiverSettings, host: str, port: int) -> uvicorn.Config:
    """uvicorn's settings for the receiver: head deadline, idle connections closed, concurrency bounded."""
    protocol = type("ReceiverH11", (HeadTimeoutH11,), {"head_timeout": settings.head_timeout_seconds})
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        http=protocol,
        timeout_keep_alive=settings.keep_alive_seconds,
        limit_concurrency=settings.max_concurrency,
    )
