"""The one way the tests run `ion-sync run <deployment>` in a process of its own: to SIGKILL it
mid-batch. The child inherits this test process's Prefect API (PREFECT_API_URL, see
tests/prefect_server.py), so it starts no temporary server of its own, and it is forked from a
process that has already imported the flows (tests/fork_server.py), so it starts in milliseconds."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ion_sync.child_processes import die_with_parent


@dataclass
class Forked:
    """A child of the fork server, as much of `subprocess.Popen` as the tests use."""

    pid: int
    log: Path

    def poll(self) -> int | None:
        exit_file = Path(f"{self.log}.exit")
        return int(exit_file.read_text()) if exit_file.exists() and exit_file.read_text() else None

    def wait(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while (code := self.poll()) is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"ion-sync (pid {self.pid})", timeout)
            time.sleep(0.05)
        return code

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)


_fork_server: subprocess.Popen[str] | None = None


def fork_server() -> subprocess.Popen[str]:
    """This test process's fork server, started on first use (from the main thread: it dies with us)."""
    global _fork_server
    if _fork_server is None or _fork_server.poll() is not None:
        _fork_server = subprocess.Popen(
            [sys.executable, "-m", "tests.fork_server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            preexec_fn=die_with_parent(),
        )
        answer(_fork_server)
    return _fork_server


def stop_fork_server() -> None:
    """At the end of the session (its children are gone by then: each test waits for its own)."""
    if _fork_server is not None and _fork_server.poll() is None:
        _fork_server.kill()
        _fork_server.wait()


def answer(server: subprocess.Popen[str]) -> dict[str, int]:
    assert server.stdout is not None
    for line in server.stdout:
        if line.startswith("{"):
            return dict(json.loads(line))
    raise RuntimeError(f"the fork server exited ({server.wait()})")


@dataclass
class SyncProcess:
    deployment: str
    process: Forked
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def finish(self, timeout: float = 300, *, transient_failures: bool = False) -> str:
        """Wait for a successful exit; returns the summary line (`<deployment> <state> posted=N ...`).
        transient_failures: a run that ends Failed only for records the next run retries (its
        summary's `"failed"` count above 0) passes too."""
        code = self.process.wait(timeout)
        output = self.output()
        if code != 0:
            assert transient_failures and re.search(r'"failed":\s*[1-9]', output), output
        return summary_line(output, self.deployment)

    def kill_once(self, landed: Callable[[], int], at_least: int, timeout: float = 180) -> None:
        """SIGKILL the sync as soon as `landed()` reaches `at_least` (mid-batch, nothing cleaned up)."""
        deadline = time.monotonic() + timeout
        while landed() < at_least:
            assert self.process.poll() is None, f"the sync ended before it was killed:\n{self.output()}"
            assert time.monotonic() < deadline, f"the sync never got going:\n{self.output()}"
            time.sleep(0.1)
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)


def sync_process(env: Mapping[str, str], tmp_path: Path, name: str, deployment: str, *params: str) -> SyncProcess:
    """Start `ion-sync run <deployment> [--param p]...` with the test's environment over this process's."""
    log = tmp_path / f"{name}.log"
    args = ["run", deployment, *(a for p in params for a in ("--param", p))]
    server = fork_server()  # its children die with it, and it with this test process: nothing left running
    assert server.stdin is not None
    server.stdin.write(json.dumps({"args": args, "env": {**os.environ, **env}, "log": str(log)}) + "\n")
    server.stdin.flush()
    return SyncProcess(deployment, Forked(answer(server)["pid"], log), log)


def summary_line(output: str, deployment: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(f"{deployment} "))
