"""One Duro library in memory: components with revisions and children, change orders, and the
rules Duro enforces on them (each rule's source: sandbox/duro/SOURCES.md).

Every refusal is a `DuroError` with Duro's error shape (`message`, `path`, `extensions.code`,
`extensions.classification`); the GraphQL layer (app.py) turns it into `errors[]`.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.duro.config import DuroSimConfig


class DuroError(Exception):
    def __init__(self, message: str, code: str, *, classification: str | None = None, path: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.classification = classification
        self.path = path

    def as_graphql(self) -> dict[str, Any]:
        extensions: dict[str, Any] = {"code": self.code}
        if self.classification:
            extensions["classification"] = self.classification
        error: dict[str, Any] = {"message": self.message, "extensions": extensions}
        if self.path:
            error["path"] = self.path
        return error


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def cursor(index: int) -> str:
    return base64.b64encode(f"cursor:{index}".encode()).decode()


def index_of(text: str) -> int:
    try:
        kind, _, number = base64.b64decode(text.encode(), validate=True).decode().partition(":")
        if kind != "cursor":
            raise ValueError(text)
        return int(number)
    except ValueError:
        raise DuroError(f"Invalid cursor: {text!r}", "BAD_USER_INPUT", path=["pagination", "after"]) from None


@dataclass
class Library:
    config: DuroSimConfig
    lock: threading.RLock = field(default_factory=threading.RLock)
    categories: dict[str, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    change_orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=lambda: {"change_orders_created": 0, "items_added": 0, "conflicts": 0})

    def reset(self) -> None:
        with self.lock:
            self.categories.clear()
            self.statuses.clear()
            self.components.clear()
            self.change_orders.clear()
            for key in self.counters:
                self.counters[key] = 0

    # --- views: what the API answers ---------------------------------------------------------

    def component_view(self, row: dict[str, Any]) -> dict[str, Any]:
        """A component as GraphQL resolves it; children are resolved only when asked for."""
        return {
            **{k: row[k] for k in ("id", "cpn", "eid", "name", "description", "revisionValue", "version", "state")},
            **{k: row[k] for k in ("isArchived", "createdAt", "updatedAt")},
            "category": self.categories[row["categoryId"]],
            "status": self.statuses[row["statusId"]],
            "revisions": [{**r, "status": self.statuses[r["statusId"]]} for r in row["revisions"]],
            "children": lambda _info: [
                {
                    "component": self.component_view(self.components[c["componentId"]]),
                    "quantity": c["quantity"],
                    "refDes": c.get("refDes"),
                }
                for c in row["children"]
            ],
        }

    def change_order_view(self, row: dict[str, Any]) -> dict[str, Any]:
        return {
            **{k: v for k, v in row.items() if k != "componentIds"},
            "affectedItems": {"components": [self.component_view(self.components[i]) for i in row["componentIds"]]},
        }

    def page(self, rows: list[dict[str, Any]], pagination: dict[str, Any] | None) -> dict[str, Any]:
        """A Relay connection over `rows` (already views)."""
        pagination = pagination or {}
        first = pagination.get("first", self.config.default_page_size)
        if first is None or first < 1 or first > self.config.max_page_size:
            raise DuroError(
                f"pagination.first must be between 1 and {self.config.max_page_size}",
                "BAD_USER_INPUT",
                path=["pagination", "first"],
            )
        start = index_of(pagination["after"]) + 1 if pagination.get("after") else 0
        window = rows[start : start + first]
        edges = [{"cursor": cursor(start + n), "node": node} for n, node in enumerate(window)]
        return {
            "edges": edges,
            "pageInfo": {"hasNextPage": start + first < len(rows), "endCursor": edges[-1]["cursor"] if edges else None},
            "totalCount": len(rows),
        }

    # --- components ----------------------------------------------------------------------------

    def find_components(self, filter: dict[str, Any] | None) -> list[dict[str, Any]]:
        f = filter or {}
        out = []
        for row in self.components.values():
            category = self.categories[row["categoryId"]]
            if f.get("ids") is not None and row["id"] not in f["ids"]:
                continue
            if f.get("name") is not None and f["name"].lower() not in row["name"].lower():
                continue
            if f.get("names") is not None and not any(n.lower() in row["name"].lower() for n in f["names"]):
                continue
            if f.get("exactNames") is not None and row["name"] not in f["exactNames"]:
                continue
            if f.get("cpns") is not None and row["cpn"] not in f["cpns"]:
                continue
            if f.get("eid") is not None and row["eid"] != f["eid"]:
                continue
            if f.get("statusId") is not None and row["statusId"] != f["statusId"]:
                continue
            if f.get("categoryId") is not None and row["categoryId"] != f["categoryId"]:
                continue
            if f.get("categoryType") is not None and category["type"] != f["categoryType"]:
                continue
            if row["isArchived"] != bool(f.get("isArchived", False)):
                continue
            out.append(self.component_view(row))
        return out

    def component(self, component_id: str, path: list[str]) -> dict[str, Any]:
        row = self.components.get(component_id)
        if row is None:
            raise DuroError(f"Component {component_id} not found", "NOT_FOUND", path=path)
        return row

    def update_component(self, change: dict[str, Any], index: int) -> dict[str, Any]:
        """Optimistic concurrency: `expectedVersion` must be the stored version; past Design,
        a component changes only through a change order."""
        path = ["component", "update", str(index)]
        row = self.component(change["id"], path)
        if change["expectedVersion"] != row["version"]:
            self.counters["conflicts"] += 1
            raise DuroError(
                f"Component {row['cpn']} is at version {row['version']}, not {change['expectedVersion']}",
                self.config.version_conflict_code,
                path=[*path, "expectedVersion"],
            )
        if self.statuses[row["statusId"]]["type"] != "DESIGN":
            raise DuroError(
                f"Component {row['cpn']} is in {self.statuses[row['statusId']]['name']}: changes need a change order",
                "BAD_USER_INPUT",
                path=path,
            )
        for key in ("name", "description", "eid"):
            if change.get(key) is not None:
                row[key] = change[key]
        row["version"] += 1
        row["updatedAt"] = now()
        return self.component_view(row)

    # --- change orders -------------------------------------------------------------------------

    def change_order(self, change_order_id: str, path: list[str]) -> dict[str, Any]:
        row = self.change_orders.get(change_order_id)
        if row is None:
            raise DuroError(f"Change order {change_order_id} not found", "NOT_FOUND", path=path)
        return row

    def find_change_orders(self, filter: dict[str, Any] | None) -> list[dict[str, Any]]:
        f = filter or {}
        rows = sorted(self.change_orders.values(), key=lambda r: r["number"])
        return [
            self.change_order_view(r)
            for r in rows
            if (f.get("ids") is None or r["id"] in f["ids"]) and (f.get("statuses") is None or r["status"] in f["statuses"])
        ]

    def create_change_order(self, data: dict[str, Any]) -> dict[str, Any]:
        if not (data.get("name") or "").strip():
            raise DuroError("A change order needs a name", "BAD_USER_INPUT", path=["changeOrders", "create", "input", "name"])
        number = len(self.change_orders) + 1
        stamp = now()
        row = {
            "id": f"co_{number:05d}",
            "number": f"CO-{number:05d}",
            "name": data["name"],
            "description": data.get("description"),
            "type": data.get("type") or "ECO",
            "status": "DRAFT",
            "resolution": None,
            "version": 1,
            "createdAt": stamp,
            "updatedAt": stamp,
            "resolvedAt": None,
            "componentIds": [],
        }
        self.change_orders[row["id"]] = row
        self.counters["change_orders_created"] += 1
        return row

    def add_items(self, change_order_id: str, data: dict[str, Any]) -> dict[str, Any]:
        path = ["changeOrders", "addItems"]
        row = self.change_order(change_order_id, [*path, "changeOrderId"])
        if data["expectedVersion"] != row["version"]:
            self.counters["conflicts"] += 1
            raise DuroError(
                f"Change order {row['number']} is at version {row['version']}, not {data['expectedVersion']}",
                self.config.version_conflict_code,
                path=[*path, "input", "expectedVersion"],
            )
        if row["status"] != "DRAFT":
            raise DuroError(
                f"Change order {row['number']} is {row['status']}: only a draft takes items", "BAD_USER_INPUT", path=path
            )
        for n, component_id in enumerate(data["componentIds"]):
            self.component(component_id, [*path, "input", "componentIds", str(n)])
            if component_id in row["componentIds"] and self.config.refuse_duplicate_items:
                raise DuroError(
                    f"Component {component_id} is already on change order {row['number']}",
                    "BAD_USER_INPUT",
                    path=[*path, "input", "componentIds", str(n)],
                )
        row["componentIds"] += [c for c in data["componentIds"] if c not in row["componentIds"]]
        row["version"] += 1
        row["updatedAt"] = now()
        self.counters["items_added"] += len(data["componentIds"])
        return row

    def submit_for_review(self, change_order_id: str) -> dict[str, Any]:
        row = self.change_order(change_order_id, ["changeOrders", "submitForReview", "id"])
        if row["status"] != "DRAFT" or not row["componentIds"]:
            raise DuroError(
                f"Change order {row['number']} cannot be submitted: it must be a draft with at least one item",
                "BAD_USER_INPUT",
                path=["changeOrders", "submitForReview"],
            )
        row["status"] = "OPEN"
        row["version"] += 1
        row["updatedAt"] = now()
        return row

    def resolve(self, change_order_id: str, resolution: str, releases: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """Approve (or reject) a change order; approval releases each affected component at the new
        revision `releases[cpn]` gives (`revisionValue`, optional `children` [{cpn, quantity, refDes}]
        and `status` name): the old revision goes to the history."""
        row = self.change_order(change_order_id, ["_sandbox"])
        stamp = now()
        if resolution == "APPROVED":
            by_cpn = {c["cpn"]: c for c in self.components.values()}
            for component_id in row["componentIds"]:
                component = self.components[component_id]
                release = releases.get(component["cpn"], {})
                component["revisions"].append(
                    {
                        "revisionValue": component["revisionValue"],
                        "statusId": component["statusId"],
                        "createdAt": component["updatedAt"],
                    }
                )
                component["revisionValue"] = release.get("revisionValue") or component["revisionValue"]
                if "children" in release:
                    component["children"] = [
                        {"componentId": by_cpn[c["cpn"]]["id"], "quantity": c["quantity"], "refDes": c.get("refDes")}
                        for c in release["children"]
                    ]
                if release.get("status"):
                    component["statusId"] = next(s["id"] for s in self.statuses.values() if s["name"] == release["status"])
                component["state"] = "RELEASED"
                component["version"] += 1
                component["updatedAt"] = stamp
        row["status"] = "RESOLVED"
        row["resolution"] = resolution
        row["resolvedAt"] = stamp
        row["version"] += 1
        row["updatedAt"] = stamp
        return row
