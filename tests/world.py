"""A test's view of the simulated world: reset it, make it hostile, count what landed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from ion_sync.sandbox import Sandbox

DEFAULT_NETSUITE_FAULTS = {"concurrency_limit": 5}


@dataclass
class World:
    sandbox: Sandbox
    env: dict[str, str]
    ledger_url: str

    def _url(self, system: str) -> str:
        if system == "arena":
            assert self.sandbox.arena is not None
            return self.sandbox.arena.url
        return self.sandbox.ion.url if system == "ion" else self.sandbox.netsuite.url

    def admin(self, system: str, method: str, path: str, json: Any = None) -> Any:
        response = httpx.request(method, f"{self._url(system)}/_sandbox/{path}", json=json, timeout=120)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        for system in ("ion", "netsuite"):
            self.admin(system, "POST", "reset")
            self.admin(system, "POST", "stats/reset")
        self.faults("ion")
        self.faults("netsuite", **DEFAULT_NETSUITE_FAULTS)
        if self.sandbox.arena is not None:
            self.admin("arena", "POST", "reset")
            self.admin("arena", "POST", "stats/reset")
            self.faults("arena")

    def faults(self, system: str, **config: Any) -> None:
        self.admin(system, "PUT", "faults", config)

    def stats(self, system: str) -> dict[str, Any]:
        return self.admin(system, "GET", "stats")

    def completions(self) -> list[dict[str, Any]]:
        """Every work-order completion stored in the NetSuite simulator."""
        return self.admin("netsuite", "GET", "records/workOrderCompletion")["items"]

    def completions_by_external_id(self) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for record in self.completions():
            grouped.setdefault(record["externalId"], []).append(record)
        return grouped

    def seed_bulk(self, count: int, installations: int = 20) -> None:
        self.admin("ion", "POST", "seed/bulk-runs", {"count": count, "installations_per_run": installations, "first_run_id": 100000})
        self.admin("netsuite", "POST", "seed/bulk-work-orders", {"count": count})

    def add_run(self, spec: dict[str, Any]) -> Any:
        return self.admin("ion", "POST", "runs", spec)
