"""The demo library: the engineering side of the ION simulator's demo factory (the same parts as
the Arena demo, sandbox/arena/demo.py), kept the Duro way: CPNs in Duro's default
`<3-digit category prefix>-<5-digit counter>` scheme, the ION part number in the external id
(`eid`), revisions released through change orders. CO-00001 released ASSY-100 rev B (a bracket
added, COMP-300 down to 2.5) while ION run 1005 is still building rev A."""

from __future__ import annotations

from typing import Any

from sandbox.duro.library import Library

SEED_TIME = "2026-11-01T16:00:00Z"

CATEGORIES = [
    {"id": "cat_mech", "name": "Mechanical Part", "type": "PART"},
    {"id": "cat_elec", "name": "Electrical Part", "type": "PART"},
    {"id": "cat_assy", "name": "Assembly", "type": "ASSEMBLY"},
]
STATUSES = [
    {"id": "st_design", "name": "Design", "type": "DESIGN"},
    {"id": "st_proto", "name": "Prototype", "type": "PROTOTYPE"},
    {"id": "st_prod", "name": "Production", "type": "PRODUCTION"},
    {"id": "st_obs", "name": "Obsolete", "type": "OBSOLETE"},
]

#: cpn, eid (ION part number), name, category, status, revision, earlier revisions, children [(eid, qty, refDes)]
COMPONENTS: list[tuple[str, str, str, str, str, str, list[str], list[tuple[str, float, str | None]]]] = [
    ("200-00001", "COMP-200", "Component Part One", "cat_mech", "st_prod", "A", [], []),
    ("200-00002", "COMP-300", "Component Part Two", "cat_mech", "st_prod", "A", [], []),
    ("200-00003", "BRKT-7", "Bracket", "cat_mech", "st_prod", "A", [], []),
    ("210-00001", "RES-10", "Resistor kit", "cat_elec", "st_prod", "A", [], []),
    ("300-00001", "MOD-20", "RF module", "cat_assy", "st_prod", "A", [], [("RES-10", 2, "R5,R6")]),
    (
        "300-00002",
        "ASSY-100",
        "Assembly Part One",
        "cat_assy",
        "st_prod",
        "A",
        [],
        [("COMP-200", 5, None), ("COMP-300", 3, None)],
    ),
    (
        "300-00003",
        "SAT-500",
        "Satellite modem",
        "cat_assy",
        "st_prod",
        "B",
        ["A"],
        [("MOD-20", 1, "U1"), ("RES-10", 4, "R1,R2,R3,R4")],
    ),
    ("210-00002", "ANT-30", "Antenna, patch", "cat_elec", "st_design", "A", [], []),
]

CHANGE = {
    "name": "ASSY-100 rev B: add bracket, reduce COMP-300",
    "description": "Field returns showed flex at the mount: add two brackets; COMP-300 down to 2.5.",
    "releases": {
        "300-00002": {
            "revisionValue": "B",
            "children": [
                {"cpn": "200-00001", "quantity": 5},
                {"cpn": "200-00002", "quantity": 2.5},
                {"cpn": "200-00003", "quantity": 2, "refDes": "MB1,MB2"},
            ],
        }
    },
}


def seed_demo(library: Library) -> None:
    with library.lock:
        library.categories.update({c["id"]: c for c in CATEGORIES})
        library.statuses.update({s["id"]: s for s in STATUSES})
        ids = {eid: f"cmp_{cpn.replace('-', '')}" for cpn, eid, *_ in COMPONENTS}
        for cpn, eid, name, category, status, revision, earlier, children in COMPONENTS:
            library.components[ids[eid]] = {
                "id": ids[eid],
                "cpn": cpn,
                "eid": eid,
                "name": name,
                "description": name,
                "revisionValue": revision,
                "version": 1 + len(earlier),
                "state": "MODIFIED" if status == "st_design" else "RELEASED",
                "isArchived": False,
                "createdAt": SEED_TIME,
                "updatedAt": SEED_TIME,
                "categoryId": category,
                "statusId": status,
                "revisions": [{"revisionValue": r, "statusId": status, "createdAt": SEED_TIME} for r in earlier],
                "children": [{"componentId": ids[c], "quantity": q, "refDes": d} for c, q, d in children],
            }
        seed_change(library, CHANGE)


def seed_change(library: Library, change: dict[str, Any]) -> dict[str, Any]:
    """A change order over the components `change["releases"]` names by CPN, approved."""
    with library.lock:
        row = library.create_change_order({"name": change["name"], "description": change.get("description")})
        by_cpn = {c["cpn"]: c["id"] for c in library.components.values()}
        library.add_items(row["id"], {"componentIds": [by_cpn[c] for c in change["releases"]], "expectedVersion": row["version"]})
        library.submit_for_review(row["id"])
        if change.get("approve", True):
            library.resolve(row["id"], "APPROVED", change["releases"])
        return library.change_order_view(row)
