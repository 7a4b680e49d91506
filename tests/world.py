"""A test's view of the simulated world: reset it, make it hostile, count what landed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connectors.netsuite import NetSuiteSettings
from connectors.retry import RetryPolicy
from sandbox.netsuite import NetSuiteSimConfig
from tests.http import HTTP

if TYPE_CHECKING:  # the sandbox imports Prefect: a conftest that imports this module must not (tests/prefect_server.py)
    from ion_sync.sandbox import Sandbox

DEFAULT_NETSUITE_FAULTS = {"concurrency_limit": 5}


def netsuite_tba_settings(base_url: str) -> NetSuiteSettings:
    """Token-based auth settings for a NetSuite simulator of our own (its default TBA credentials)."""
    sim = NetSuiteSimConfig()
    return NetSuiteSettings(
        account_id=sim.account_id,
        base_url=base_url,
        auth="tba",
        consumer_key=sim.tba_consumer_key,
        consumer_secret=sim.tba_consumer_secret,
        token_id=sim.tba_token_id,
        token_secret=sim.tba_token_secret,
        retry=RetryPolicy(attempts=1),
    )


@dataclass
class World:
    sandbox: Sandbox
    env: dict[str, str]
    ledger_url: str

    def _url(self, system: str) -> str:
        """The simulator of `system`: ion, netsuite, quickbooks, ramp, arena, duro or onshape."""
        server = getattr(self.sandbox, system)
        assert server is not None, f"the sandbox runs no {system} simulator"
        return str(server.url)

    def admin(self, system: str, method: str, path: str, json: Any = None) -> Any:
        response = HTTP.request(method, f"{self._url(system)}/_sandbox/{path}", json=json, timeout=120)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        for system in ("ion", "netsuite"):
            self.admin(system, "POST", "reset")
            self.admin(system, "POST", "stats/reset")
        self.faults("ion")
        self.faults("netsuite", **DEFAULT_NETSUITE_FAULTS)
        if self.sandbox.odoo is not None:
            self.admin("odoo", "POST", "reset")
            self.admin("odoo", "POST", "stats/reset")
            self.faults("odoo")
        if self.sandbox.arena is not None:
            self.admin("arena", "POST", "reset")
            self.admin("arena", "POST", "stats/reset")
            self.faults("arena")
        if self.sandbox.business_central is not None:
            self.admin("business_central", "POST", "reset")
            self.admin("business_central", "POST", "stats/reset")
            self.faults("business_central")
        if self.sandbox.duro is not None:
            self.admin("duro", "POST", "reset")
            self.admin("duro", "POST", "stats/reset")
            self.faults("duro")
        if self.sandbox.onshape is not None:
            self.admin("onshape", "POST", "reset")
            self.admin("onshape", "POST", "stats/reset")
            self.faults("onshape")

    def faults(self, system: str, **config: Any) -> None:
        self.admin(system, "PUT", "faults", config)

    def stats(self, system: str) -> dict[str, Any]:
        return self.admin(system, "GET", "stats")

    def suiteql_columns_read(self) -> set[str]:
        """ "table.column" of every SuiteQL column the NetSuite simulator saw read since its reset."""
        return set(self.stats("netsuite")["suiteql_columns_read"])

    def completions(self) -> list[dict[str, Any]]:
        """Every work-order completion stored in the NetSuite simulator."""
        return self.admin("netsuite", "GET", "records/workOrderCompletion")["items"]

    def completions_by_external_id(self) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for record in self.completions():
            grouped.setdefault(record["externalId"], []).append(record)
        return grouped

    def seed_bulk(self, count: int, installations: int = 20) -> None:
        self.admin(
            "ion", "POST", "seed/bulk-runs", {"count": count, "installations_per_run": installations, "first_run_id": 100000}
        )
        self.admin("netsuite", "POST", "seed/bulk-work-orders", {"count": count})

    def add_run(self, spec: dict[str, Any]) -> Any:
        return self.admin("ion", "POST", "runs", spec)

    def ion_graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run a GraphQL document against the ION simulator as an API client would (for
        arranging a scenario: POs, lines, attributes); GraphQL errors fail the test."""
        token = HTTP.post(
            self.env["ION_AUTH_URL"],
            data={
                "grant_type": "client_credentials",
                "client_id": self.env["ION_CLIENT_ID"],
                "client_secret": self.env["ION_CLIENT_SECRET"],
            },
            timeout=30,
        ).json()["access_token"]
        response = HTTP.post(
            f"{self.sandbox.ion.url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        payload = response.json()
        assert not payload.get("errors"), payload["errors"]
        return payload["data"]

    def netsuite_records(self, record_type: str) -> list[dict[str, Any]]:
        return self.admin("netsuite", "GET", f"records/{record_type}")["items"]

    def receive(self, po_id: int, items: list[dict[str, Any]], received_at: str | None = None) -> int:
        """An ION receipt made at the dock (admin route: odd quantities accepted on purpose)."""
        body: dict[str, Any] = {"purchaseOrderId": po_id, "items": items}
        if received_at:
            body["receivedAt"] = received_at
        return int(self.admin("ion", "POST", "receipts", body)["id"])

    def netsuite_rest(self, method: str, path: str, body: dict[str, Any] | None = None) -> str | None:
        """A NetSuite REST call as a NetSuite user would make it (for arranging a scenario:
        a new or changed purchase order); returns the id a create's Location names."""
        from connectors.netsuite import NetSuiteClient, NetSuiteSettings

        async def call() -> str | None:
            async with NetSuiteClient(NetSuiteSettings()) as netsuite:  # type: ignore[call-arg]
                response = await netsuite._send(method, f"/services/rest/record/v1/{path}", write=True, json=body)
                location = response.headers.get("location")
                return location.rsplit("/", 1)[-1] if location else None

        return asyncio.run(call())
