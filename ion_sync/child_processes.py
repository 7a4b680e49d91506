"""Nothing left running: the processes ion-sync starts die with the process that started them.

With no PREFECT_API_URL, Prefect runs flows against a temporary API server: a separate
`python -m uvicorn` process (`prefect.server.api.server.SubprocessASGIServer`), stopped by an
atexit hook. A SIGKILL never runs atexit, nor does a SIGTERM that Python does not handle, so
each killed `ion-sync run` left its server running for ever (~230 MB each; one `make test`
left seven). Here that server gets Linux's parent-death signal (prctl PR_SET_PDEATHSIG), and
SIGTERM becomes a KeyboardInterrupt, so the commands' `finally` blocks and atexit hooks run.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
STARTUP_TIMEOUT_VARIABLE = (
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"  # Prefect 3.8.8: server.ephemeral.startup_timeout_seconds
)
# The embedded API takes 10-20 s to start on a quiet 2-core machine and measured up to 250 s (a
# fresh database) on this one under heavy load (README "Performance": the embedded start);
# Prefect gives up after 20 s. Not longer: Prefect notices a server that died only when it runs out.
EMBEDDED_START_SECONDS = 300


def startup_timeout() -> int:
    """How long to wait for the embedded API: the Prefect setting when set, else EMBEDDED_START_SECONDS."""
    value = os.environ.get(STARTUP_TIMEOUT_VARIABLE)
    return int(value) if value and value.isdigit() else EMBEDDED_START_SECONDS


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` giving the child SIGKILL when its parent dies, or None off Linux.

    The signal follows the *thread* that forked the child, so this is only for children started
    from the main thread (`start_prefect_api` starts Prefect's server there)."""
    if sys.platform != "linux":
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork, not in the child
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return preexec


class _PopenDyingWithParent(subprocess.Popen):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            kwargs.setdefault("preexec_fn", die_with_parent())
        super().__init__(*args, **kwargs)


class _SubprocessModule:
    """`subprocess` as Prefect's server module sees it: the same, but its Popen children die with us."""

    Popen = _PopenDyingWithParent

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)


def install() -> None:
    """Make every temporary Prefect server started from now on die with this process."""
    from prefect.server.api import server

    if not isinstance(server.subprocess, _SubprocessModule):
        server.subprocess = _SubprocessModule()  # type: ignore[assignment]


def start_prefect_api() -> None:
    """Start Prefect's temporary API server now, from the main thread, if the runs will need one
    (no PREFECT_API_URL), so that it dies with this process. Prefect reuses it for every run."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return
    if threading.current_thread() is not threading.main_thread():
        return  # Prefect starts it on first use, without the parent-death signal
    install()
    from prefect.server.api.server import SubprocessASGIServer

    SubprocessASGIServer().start(timeout=startup_timeout())


def stop_on_sigterm() -> None:
    """SIGTERM (a supervisor, `kill`, `timeout`) stops the command as Ctrl-C does: `finally`
    blocks stop the simulators and receiver, atexit stops Prefect's server."""

    def interrupt(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)
