"""Go-live checks (seed 002 rules 10 and 12): every assumption a connector makes about the
customer's account, checked read-only against that account before the first write.

Each system has one module, `<its package>/preflight.py`, with `async def run_checks() ->
list[Check]`. It loads its own settings and never raises: a configuration problem or a refused
call is a FAIL row that says how to fix it, and every later check still runs, so one pass over
the table shows everything that is wrong. `ion-sync preflight <system>|all` prints the table;
the `preflight` flow publishes it as an artifact.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal, get_args

from core.preflight import Check, case_hint, summary_line

System = Literal["ion", "netsuite", "quickbooks", "ramp", "arena", "duro", "onshape"]
SYSTEMS: tuple[str, ...] = get_args(System)
Target = Literal["all", "ion", "netsuite", "quickbooks", "ramp", "arena", "duro", "onshape"]  # a System, or all of them


MODULES = {
    "ion": "mes.ion.preflight",
    "netsuite": "erp.netsuite.preflight",
    "quickbooks": "erp.quickbooks.preflight",
    "ramp": "payments.ramp.preflight",
    "arena": "plm.arena.preflight",
    "duro": "plm.duro.preflight",
    "onshape": "plm.onshape.preflight",
}
__all__ = ["SYSTEMS", "Check", "Target", "case_hint", "checks_for", "run_preflight", "summary_line"]


def checks_for(system: str) -> Callable[[], Awaitable[list[Check]]]:
    if system not in SYSTEMS:
        raise ValueError(f"no preflight for {system!r}; available: {', '.join(SYSTEMS)}, all")
    module = importlib.import_module(MODULES[system])
    run_checks: Callable[[], Awaitable[list[Check]]] = module.run_checks
    return run_checks


async def run_preflight(systems: Sequence[str]) -> list[Check]:
    """The checks of each system in turn (`all` means every system)."""
    wanted = SYSTEMS if "all" in systems else tuple(systems)
    checks: list[Check] = []
    for system in wanted:
        checks += await checks_for(system)()
    return checks
