"""Purchasing in ION for the Ramp demo and tests, made the way a buyer would: through ION's
GraphQL API (a PO in DRAFT, its lines, then its status) and the simulator's receiving route.

`seed_ramp_demo` adds PO "approved in ION" (Acme Metals, received in full) and PO "in review"
(Orbital Parts) to the ION simulator; the Ramp flows then have something to carry to Ramp."""

from __future__ import annotations

from typing import Any

import httpx

PART_IDS = "query($n: [String]) { parts(filters: {partNumber: {in: $n}}) { edges { node { id partNumber } } } }"
CREATE_PO = "mutation($i: CreatePurchaseOrderInput!) { createPurchaseOrder(input: $i) { purchaseOrder { id _etag } } }"
CREATE_LINE = "mutation($i: CreatePurchaseOrderLineInput!) { createPurchaseOrderLine(input: $i) { purchaseOrderLine { id } } }"
PO_ETAG = "query($id: ID!) { purchaseOrder(id: $id) { _etag status paid } }"
UPDATE_PO = "mutation($i: UpdatePurchaseOrderInput!) { updatePurchaseOrder(input: $i) { purchaseOrder { id _etag status } } }"


class IonBuyer:
    """A small GraphQL session against ION (the simulator's credentials from the environment)."""

    def __init__(self, env: dict[str, str]) -> None:
        token = httpx.post(
            env["ION_AUTH_URL"],
            data={
                "grant_type": "client_credentials",
                "client_id": env["ION_CLIENT_ID"],
                "client_secret": env["ION_CLIENT_SECRET"],
            },
            timeout=30,
        ).json()["access_token"]
        self.url = env["ION_API_URL"].rstrip("/")
        self.http = httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def data(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        answer = self.http.post(f"{self.url}/graphql", json={"query": query, "variables": variables}).json()
        if answer.get("errors"):
            raise RuntimeError(f"ION: {answer['errors']}")
        return answer["data"]

    def purchase_order(
        self, supplier_id: int, status: str, lines: list[tuple[str, float, float]], description: str = ""
    ) -> tuple[int, list[int]]:
        """A PO with `lines` (part number, quantity, unit cost), moved to `status`."""
        parts = {
            e["node"]["partNumber"]: e["node"]["id"]
            for e in self.data(PART_IDS, {"n": [p for p, _, _ in lines]})["parts"]["edges"]
        }
        po = self.data(
            CREATE_PO,
            {
                "i": {
                    "supplierId": supplier_id,
                    "currencyId": 1,
                    "shipToLocationId": 1,
                    "billToLocationId": 1,
                    "description": description or None,
                }
            },
        )["createPurchaseOrder"]["purchaseOrder"]
        line_ids = [
            int(
                self.data(
                    CREATE_LINE,
                    {"i": {"purchaseOrderId": po["id"], "partId": parts[part], "quantity": qty, "cost": cost, "position": n}},
                )["createPurchaseOrderLine"]["purchaseOrderLine"]["id"]
            )
            for n, (part, qty, cost) in enumerate(lines, start=1)
        ]
        self.set_status(int(po["id"]), status)
        return int(po["id"]), line_ids

    def state(self, po_id: int) -> dict[str, Any]:
        return self.data(PO_ETAG, {"id": po_id})["purchaseOrder"]

    def set_status(self, po_id: int, status: str) -> None:
        etag = self.state(po_id)["_etag"]
        self.data(UPDATE_PO, {"i": {"id": po_id, "etag": etag, "status": status}})

    def receive(self, po_id: int, items: list[tuple[int, float]], location_id: int = 2) -> int:
        body = {
            "purchaseOrderId": po_id,
            "items": [{"purchaseOrderLineId": line, "quantity": qty, "locationId": location_id} for line, qty in items],
        }
        answer = self.http.post(f"{self.url}/_sandbox/receipts", json=body)
        answer.raise_for_status()
        return int(answer.json()["id"])

    def close(self) -> None:
        self.http.close()


def seed_ramp_demo(env: dict[str, str]) -> dict[str, int]:
    buyer = IonBuyer(env)
    try:
        approved, lines = buyer.purchase_order(
            1, "APPROVED", [("COMP-200", 10, 2.5), ("RES-10", 500, 0.1)], "Ramp demo: approved in ION"
        )
        receipt = buyer.receive(approved, [(lines[0], 10), (lines[1], 500)])
        in_review, _ = buyer.purchase_order(2, "REQUESTED", [("BRKT-7", 20, 1.2)], "Ramp demo: in review")
    finally:
        buyer.close()
    return {"approved": approved, "in_review": in_review, "receipt": receipt}
