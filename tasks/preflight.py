"""Go-live checks (seed 002 rules 10 and 12): every assumption a connector makes about the
customer's account, checked read-only against that account before the first write.

Each system has one module, `tasks/preflight_<system>.py`, with `async def run_checks() ->
list[Check]`. It loads its own settings and never raises: a configuration problem or a refused
call is a FAIL row that says how to fix it, and every later check still runs, so one pass over
the table shows everything that is wrong. `ion-sync preflight <system>|all` prints the table;
the `preflight` flow publishes it as an artifact.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

System = Literal["ion", "netsuite", "quickbooks", "ramp", "arena"]
SYSTEMS: tuple[str, ...] = get_args(System)
Target = Literal["all", "ion", "netsuite", "quickbooks", "ramp", "arena"]  # a System, or all of them


@dataclass(frozen=True)
class Check:
    """One go-live check. `fix` says what to change when it fails (empty when it passes)."""

    system: str
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def row(self) -> dict[str, str]:
        return {"result": "PASS" if self.ok else "FAIL", "system": self.system, "check": self.name,
                "detail": self.detail, "how to fix": self.fix}

    def line(self) -> str:
        text = f"{'PASS' if self.ok else 'FAIL'}  {self.name}: {self.detail}"
        return text + (f"\n      fix: {self.fix}" if self.fix and not self.ok else "")


def case_hint(name: str, names: Iterable[str]) -> str:
    """A FAIL's hint when the name exists with other capitals (ION names are case-sensitive)."""
    close = [n for n in names if n.lower() == name.lower()]
    return f" (did you mean {close[0]!r}? names are case-sensitive)" if close else ""


def checks_for(system: str) -> Callable[[], Awaitable[list[Check]]]:
    if system not in SYSTEMS:
        raise ValueError(f"no preflight for {system!r}; available: {', '.join(SYSTEMS)}, all")
    module = importlib.import_module(f"tasks.preflight_{system}")
    run_checks: Callable[[], Awaitable[list[Check]]] = module.run_checks
    return run_checks


async def run_preflight(systems: Sequence[str]) -> list[Check]:
    """The checks of each system in turn (`all` means every system)."""
    wanted = SYSTEMS if "all" in systems else tuple(systems)
    checks: list[Check] = []
    for system in wanted:
        checks += await checks_for(system)()
    return checks


def summary_line(checks: Sequence[Check]) -> str:
    failed = sum(not c.ok for c in checks)
    return f"{len(checks) - failed} passed, {failed} failed"
