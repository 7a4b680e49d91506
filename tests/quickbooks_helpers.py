"""Test helpers for the QuickBooks flows: the QuickBooks simulator's admin routes, and ION
purchase orders and parts written straight into the in-process ION simulator (test setup only;
the flows read them through the GraphQL API like any client)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sandbox.ion.purchasing import Purchasing
from sandbox.ion.timestamps import now_stored
from tests.http import HTTP

ORDERED = "ORDERED"


@dataclass
class QuickBooksWorld:
    world: Any

    @property
    def url(self) -> str:
        return self.world.sandbox.quickbooks.url

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        return self.world.admin("quickbooks", method, path, json)

    def entities(self, entity: str) -> list[dict[str, Any]]:
        return self.admin("GET", f"entities/{entity}")["items"]

    def purchase_orders(self) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for po in self.entities("PurchaseOrder"):
            grouped.setdefault(po["DocNumber"], []).append(po)
        return grouped

    def items(self) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for item in self.entities("Item"):
            grouped.setdefault(item["Name"], []).append(item)
        return grouped

    def create(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create (or, with Id and SyncToken, update) a record the way a person in QuickBooks would
        (through the API, with its own token)."""
        env = self.world.env
        token = HTTP.post(
            env["QUICKBOOKS_TOKEN_URL"],
            data={"grant_type": "refresh_token", "refresh_token": env["QUICKBOOKS_REFRESH_TOKEN"]},
            auth=(env["QUICKBOOKS_CLIENT_ID"], env["QUICKBOOKS_CLIENT_SECRET"]),
        ).json()["access_token"]
        response = HTTP.post(
            f"{self.url}/v3/company/{env['QUICKBOOKS_REALM_ID']}/{entity.lower()}",
            json=body,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
        response.raise_for_status()
        return dict(response.json()[entity])

    def edit(self, entity: str, entity_id: str, change: dict[str, Any]) -> dict[str, Any]:
        """A person's edit in QuickBooks: a sparse update of the current record."""
        current = next(e for e in self.entities(entity) if e["Id"] == entity_id)
        return self.create(entity, {"Id": entity_id, "SyncToken": current["SyncToken"], "sparse": True, **change})

    def faults(self, **config: Any) -> None:
        self.admin("PUT", "faults", config)

    def reset(self) -> None:
        """The demo company, no faults, and limits no test of exactly-once reaches (the budget is
        tested on its own)."""
        self.admin("POST", "reset")
        self.admin("POST", "stats/reset")
        self.faults()
        self.admin(
            "PUT", "limits", {"requests_per_minute": 100_000, "requests_per_second": 10_000, "batch_requests_per_minute": 1000}
        )

    def stats(self) -> dict[str, Any]:
        return self.admin("GET", "stats")

    # -- ION -------------------------------------------------------------------------------

    @property
    def _ion_app(self) -> Any:
        return self.world.sandbox.ion.server.config.app

    def purchasing(self) -> Purchasing:
        return Purchasing(self._ion_app.state.store, self._ion_app.state.config)

    def add_part(self, part_id: int, number: str, revision: str | None, description: str | None = None) -> None:
        self._ion_app.state.store.insert_parts([(part_id, number, revision, description, None, "PART")], now_stored())

    def set_part_description(self, part_id: int, description: str) -> None:
        store = self._ion_app.state.store
        with store.transaction() as db:
            db.execute("UPDATE parts SET description = ?, updated = ? WHERE id = ?", (description, now_stored(), part_id))

    def part_id(self, number: str) -> int:
        return int(self._ion_app.state.store.part_ids_by_number[number])

    def add_purchase_order(
        self,
        po_id: int,
        supplier_id: int,
        lines: list[dict[str, Any]],
        *,
        currency_id: int = 1,
        location_id: int = 1,
        fees: list[tuple[str, float, str]] = (),
        description: str | None = None,
        status: str = ORDERED,
    ) -> None:
        """lines: {id, part (number) or None, quantity, cost, description?, attributes: {key: value}}."""
        writes = self.purchasing()
        writes.create_purchase_order(
            {
                "supplierId": supplier_id,
                "currencyId": currency_id,
                "shipToLocationId": location_id,
                "billToLocationId": location_id,
                "description": description,
                "status": status,
            },
            po_id=po_id,
        )
        for position, line in enumerate(lines, start=1):
            part = self.part_id(line["part"]) if line.get("part") else None
            writes.create_line(
                {
                    "purchaseOrderId": po_id,
                    "partId": part,
                    "quantity": line["quantity"],
                    "cost": line["cost"],
                    "description": line.get("description"),
                    "position": position,
                },
                line_id=line["id"],
            )
            for key, value in (line.get("attributes") or {}).items():
                self.set_line_attribute(line["id"], key, value)
        for name, value, kind in fees:
            writes.create_fee({"purchaseOrderId": po_id, "name": name, "value": value, "type": kind})

    def cancel_line(self, line_id: int) -> None:
        with self._ion_app.state.store.transaction() as db:
            etag = db.execute("SELECT etag FROM purchase_order_lines WHERE id = ?", (line_id,)).fetchone()[0]
        self.purchasing().update_line({"id": line_id, "etag": etag, "status": "CANCELED"})

    def set_line_attribute(self, line_id: int, key: str, value: str | None) -> None:
        self.purchasing().update_attribute(
            "purchaseOrderLine", {"purchaseOrderLineId": line_id, "key": key, "value": value}, check=False
        )


QB_FIRST = 1000
QB_ENV = {
    "QUICKBOOKS_TIMEOUT_SECONDS": "1",
    "QUICKBOOKS_RETRY__ATTEMPTS": "8",
    "QUICKBOOKS_RETRY__INITIAL_WAIT": "0.05",
    "QUICKBOOKS_RETRY__MAX_WAIT": "0.5",
    "QUICKBOOKS_THROTTLE_WAIT_SECONDS": "0.2",
    # exactly-once is the point here, not the budget (tested on its own): lifted on both sides
    "QUICKBOOKS_REQUESTS_PER_MINUTE": "100000",
    "QUICKBOOKS_REQUESTS_PER_SECOND": "10000",
    "QUICKBOOKS_BATCH_REQUESTS_PER_MINUTE": "1000",
}


def quickbooks_parts(world: Any, size: int) -> int:
    qb = QuickBooksWorld(world)
    for i in range(size):
        qb.add_part(QB_FIRST + i, f"Q-{i:04d}", "A", f"bulk part {i}")
    return 9 + size  # the demo's nine parts


def quickbooks_purchase_orders(world: Any, size: int) -> int:
    """`size` ordered POs, each with a new part (so a new item), an expense line and a fee."""
    qb = QuickBooksWorld(world)
    quickbooks_parts(world, size)
    for i in range(size):
        qb.add_purchase_order(
            QB_FIRST + i,
            1 + i % 2,
            [
                {"id": 10_000 + 2 * i, "part": f"Q-{i:04d}", "quantity": 4, "cost": 1.25, "attributes": {"Class": "Hardware"}},
                {
                    "id": 10_001 + 2 * i,
                    "part": None,
                    "quantity": 1,
                    "cost": 9.5,
                    "description": "setup fee",
                    "attributes": {"Expense Account": "Office Supplies"},
                },
            ],
            fees=[("Freight", 3, "FIXED")],
        )
    return 2 + size  # the demo's two


def whole_in_quickbooks(world: Any) -> None:
    """Each bulk PO landed whole (part line, expense line, fee), and no item twice."""
    qb = QuickBooksWorld(world)
    assert all(len(po["Line"]) == 3 for po in qb.entities("PurchaseOrder") if int(po["DocNumber"]) >= QB_FIRST)
    assert not {name: n for name, n in Counter(item["Name"] for item in qb.entities("Item")).items() if n > 1}, (
        "an item was created twice"
    )
