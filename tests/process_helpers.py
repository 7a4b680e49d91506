"""The one way the tests run `ion-sync run <deployment>` in a process of its own: to SIGKILL it
mid-batch, or to run two syncs at once. The child inherits this test process's Prefect API
(PREFECT_API_URL, see tests/prefect_server.py), so it starts no temporary server of its own."""

from __future__ import annotations

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
class SyncProcess:
    deployment: str
    process: subprocess.Popen[bytes]
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
    home = tmp_path / f"prefect-{name}"
    log = tmp_path / f"{name}.log"
    args = [sys.executable, "-m", "ion_sync", "run", deployment, *(a for p in params for a in ("--param", p))]
    with log.open("wb") as out:  # the child keeps its own descriptor
        process = subprocess.Popen(  # dies with this test process, even a killed one: nothing left running
            args,
            env={**os.environ, **env, "PREFECT_HOME": str(home)},
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent(),
        )
    return SyncProcess(deployment, process, log)


def summary_line(output: str, deployment: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(f"{deployment} "))
