"""A process that has imported ion-sync, Prefect and every flow once and forks one child per
`ion-sync run` the tests start (tests/process_helpers.py). Each child is a real process of its
own, killed by a real SIGKILL, that skips the ~3.5 s of CPU that importing Prefect and the flows
costs a fresh interpreter. Importing them starts no thread (checked before serving), so forking is safe.

One JSON line each way on stdin/stdout: `{"args", "env", "log"}` in, `{"pid"}` out. The server
reaps its children and writes each one's exit code beside its log (`<log>.exit`); it dies with
the test process that started it, and its children die with it.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any


def child(request: dict[str, Any], die_with_server: Any) -> None:
    """Become `ion-sync <args>` with the request's environment, output to its log; never returns."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        if die_with_server:
            die_with_server()
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.environ.clear()
        os.environ.update(request["env"])
        from ion_sync.cli import app

        try:
            app(args=request["args"], prog_name="ion-sync")
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve() -> None:
    import ion_sync.cli  # noqa: F401 - imported once, here, for every child
    from ion_sync.child_processes import die_with_parent
    from ion_sync.deployments import load_deployments

    for spec in load_deployments().values():
        spec.load_flow()
    assert threading.active_count() == 1, f"a thread before forking: {threading.enumerate()}"
    logs: dict[int, str] = {}

    def reap(*_: object) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in logs:
                Path(f"{logs.pop(pid)}.exit").write_text(str(os.waitstatus_to_exitcode(status)))

    signal.signal(signal.SIGCHLD, reap)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})  # reaped only once its log is known
        die_with_server = die_with_parent()
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            child(request, die_with_server)
        logs[pid] = request["log"]
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        print(json.dumps({"pid": pid}), flush=True)


if __name__ == "__main__":
    serve()
