"""Run a simulator on loopback in a background thread, for tests, the demo and benchmarks."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

from sandbox.faults import DroppedConnection


class _QuietDrops(logging.Filter):
    """A connection dropped on purpose is the fault working, not an error worth a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


@dataclass
class RunningServer:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(app: ASGIApp, port: int = 0, host: str = "127.0.0.1") -> RunningServer:
    """Serve `app` on host:port (0 = any free port) and return once it accepts connections."""
    port = port or free_port()
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"sandbox-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"simulator failed to start on {host}:{port}")
        time.sleep(0.02)
    return RunningServer(url=f"http://{host}:{port}", server=server, thread=thread)


@contextmanager
def serving(app: ASGIApp, port: int = 0) -> Iterator[RunningServer]:
    running = start(app, port)
    try:
        yield running
    finally:
        running.stop()
