"""The demo product (sandbox/README.md, "Arena simulator"): the engineering side of the ION
simulator's demo factory, same part numbers, with a change that supersedes ASSY-100 rev A
while ION run 1005 is still building rev A; and the routings of ASSY-100 and SAT-500, kept as
Arena keeps process documents: an item (`<number>-RTG`) whose web-link files are the
operations (ion-sync's convention, plm/arena/routings.py; Arena has no routing object)."""

from __future__ import annotations

from typing import Any

from sandbox.arena.config import ArenaSimConfig
from sandbox.arena.feedback import Payload, create_item_file
from sandbox.arena.store import ArenaStore
from sandbox.arena.workspace import Workspace

SEED_TIME = "2026-11-01T16:00:00Z"

PHASES = [
    ("PHASEPROTOTYPE000001", "Prototype", "PROTO", "DESIGN"),
    ("PHASEINPRODUCTION001", "In Production", "PROD", "PRODUCTION"),
    ("PHASEOBSOLETE0000001", "Obsolete", "OBS", "PRODUCTION"),
]

#: number, name, guid, effective revisions (oldest first; None = unreleased), phase, BOM of the effective revision
ITEMS: list[tuple[str, str, str, list[str], str, list[dict[str, Any]]]] = [
    ("COMP-200", "Component Part One", "ITEMCOMP200000000001", ["A"], "In Production", []),
    ("COMP-300", "Component Part Two", "ITEMCOMP300000000001", ["A"], "In Production", []),
    ("BRKT-7", "Bracket", "ITEMBRKT700000000001", ["A"], "In Production", []),
    ("RES-10", "Resistor kit", "ITEMRES1000000000001", ["A"], "In Production", []),
    (
        "MOD-20",
        "RF module",
        "ITEMMOD2000000000001",
        ["A"],
        "In Production",
        [{"number": "RES-10", "quantity": 2, "refDes": "R5,R6"}],
    ),
    (
        "ASSY-100",
        "Assembly Part One",
        "ITEMASSY100000000001",
        ["A"],
        "In Production",
        [{"number": "COMP-200", "quantity": 5}, {"number": "COMP-300", "quantity": 3}],
    ),
    (
        "SAT-500",
        "Satellite modem",
        "ITEMSAT5000000000001",
        ["A", "B"],
        "In Production",
        [{"number": "MOD-20", "quantity": 1, "refDes": "U1"}, {"number": "RES-10", "quantity": 4, "refDes": "R1-4"}],
    ),
    ("ANT-30", "Antenna, patch", "ITEMANT3000000000001", [], "Prototype", []),
    ("ASSY-100-RTG", "Build routing", "ITEMASSY100RTG000001", ["A"], "In Production", []),
    ("SAT-500-RTG", "Build routing", "ITEMSAT500RTG0000001", ["A"], "In Production", []),
]

DRAWINGS = "https://drawings.factory.example"
#: routing item guid -> operations as web-link files (title, description, location) [AR Objects/object_file.md]
ROUTING_FILES: dict[str, list[tuple[str, str, str]]] = {
    "ITEMASSY100RTG000001": [
        ("Op 10 Kit components", "Pick the components per the mBOM.", f"{DRAWINGS}/ASSY-100/kit.pdf"),
        ("Op 20 Assemble and fasten", "Fasten the brackets with four M4 screws at 1.2 N·m.", f"{DRAWINGS}/ASSY-100/assembly.pdf"),
        ("Op 30 Final inspection", "Check the assembly against the drawing.", f"{DRAWINGS}/ASSY-100/drawing.pdf"),
    ],
    "ITEMSAT500RTG0000001": [
        ("Op 10 Kit components", "Pick the components per the mBOM.", f"{DRAWINGS}/SAT-500/kit.pdf"),
        ("Op 20 Assemble and inspect", "Assemble the modem; measure RF output power (dBm).", f"{DRAWINGS}/SAT-500/test-spec.pdf"),
    ],
}

CHANGE = {
    "guid": "CHANGEECO00000000101",
    "number": "ECO-000101",
    "title": "ASSY-100 rev B: add bracket, reduce COMP-300",
    "description": "Field returns showed flex at the mount: add two brackets; COMP-300 down to 2.5.",
    "items": [
        {
            "number": "ASSY-100",
            "newRevisionNumber": "B",
            "bom": [
                {"number": "COMP-200", "quantity": 5},
                {"number": "COMP-300", "quantity": 2.5},
                {"number": "BRKT-7", "quantity": 2, "refDes": "MB1,MB2"},
            ],
        }
    ],
}


def put_item(store: ArenaStore, phase_guid: str, number: str, name: str, guid: str, revisions: list[str]) -> None:
    """An item with its effective revisions (oldest first, the last effective) and a working one."""
    store.put(
        "item",
        {
            "guid": guid,
            "number": number,
            "name": name,
            "description": name,
            "categoryGuid": "CATEGORYPART00000001",
            "categoryName": "Part",
            "creationDateTime": SEED_TIME,
            "uom": "each",
            "procurementType": "MTS",
        },
    )
    for n, letter in enumerate(revisions):
        status = 1 if n == len(revisions) - 1 else 2
        store.put(
            "revision",
            {
                "guid": f"{guid[:16]}REV{letter}",
                "itemGuid": guid,
                "number": letter,
                "status": status,
                "lifecyclePhaseGuid": phase_guid,
                "effectiveDateTime": SEED_TIME,
                "supersededDateTime": SEED_TIME if status == 2 else None,
                "creationDateTime": SEED_TIME,
                "changeGuid": None,
                "bom": [],
            },
            guid,
        )
    store.put(
        "revision",
        {
            "guid": f"{guid[:16]}WORK",
            "itemGuid": guid,
            "number": None,
            "status": 0,
            "lifecyclePhaseGuid": phase_guid,
            "effectiveDateTime": None,
            "supersededDateTime": None,
            "creationDateTime": SEED_TIME,
            "changeGuid": None,
            "bom": [],
        },
        guid,
    )


def put_bom(store: ArenaStore, workspace: Workspace, guid: str, revisions: list[str], bom: list[dict[str, Any]]) -> None:
    """The same BOM on the item's working revision and its effective one."""
    lines = [workspace.bom_line(line, n) for n, line in enumerate(bom, 1)]
    targets = [store.get("revision", f"{guid[:16]}WORK")]
    if revisions:
        targets.append(store.get("revision", f"{guid[:16]}REV{revisions[-1]}"))
    for revision in targets:
        assert revision is not None
        revision["bom"] = [
            {**line, "guid": f"{line['guid'][:12]}{revision['guid'][-4:]}L{n:03d}"} for n, line in enumerate(lines, 1)
        ]
        store.put("revision", revision, guid)


def put_operations(workspace: Workspace, guid: str, operations: list[tuple[str, str, str]]) -> None:
    """A routing item's operations as web-link files (title, description, location) [AR Objects/object_file.md]."""
    for title, description, location in operations:
        meta = {"title": title, "description": description, "edition": "1", "storageMethodName": "WEB", "location": location}
        create_item_file(workspace, guid, Payload(json={"file": meta, "primary": False}))


def seed_demo(store: ArenaStore, config: ArenaSimConfig, workspace: Workspace) -> None:
    with store.transaction():
        for guid, name, short, stage in PHASES:
            store.put(
                "phase",
                {"guid": guid, "name": name, "shortName": short, "stage": stage, "active": name != "Obsolete", "used": True},
            )
        phases = {name: guid for guid, name, *_ in PHASES}
        for number, name, guid, revisions, phase, _bom in ITEMS:
            put_item(store, phases[phase], number, name, guid, revisions)
        for _number, _name, guid, revisions, _phase, bom in ITEMS:
            if bom:
                put_bom(store, workspace, guid, revisions, bom)
    for guid, operations in ROUTING_FILES.items():
        put_operations(workspace, guid, operations)
    workspace.create_change({**CHANGE, "effective": config.change_effective_at_seed})


def bulk_operations(number: str, count: int) -> list[tuple[str, str, str]]:
    """The operations of a bulk item's routing: `Op <10·k> Operation <k>`, as the demo's are titled."""
    return [
        (f"Op {10 * k} Operation {k}", f"Bulk operation {k} of {number}.", f"{DRAWINGS}/{number}/op{10 * k}.pdf")
        for k in range(1, count + 1)
    ]


def seed_bulk_items(
    store: ArenaStore, workspace: Workspace, count: int, first_number: int, bom: list[dict[str, Any]], operations: int = 0
) -> list[str]:
    """`count` released items `BULK-P<6 digits>` rev A (In Production), each with `bom` (demo item
    numbers) as its BOM and, when `operations` > 0, a released routing item `<number>-RTG` ("Build
    routing", rev A) holding that many operation files, as the demo's routings: work for the
    engineering syncs' exactly-once and load tests."""
    numbers, routings = [], []
    with store.transaction():
        phase = workspace.phase_by_name("In Production")["guid"]
        for n in range(first_number, first_number + count):
            number, guid = f"BULK-P{n:06d}", f"ITEM{n:06d}BULK000000"  # revisions take the first 16 characters
            put_item(store, phase, number, f"Bulk part {n}", guid, ["A"])
            if bom:
                put_bom(store, workspace, guid, ["A"], bom)
            if operations > 0:
                routing = f"ITEM{n:06d}BRTG000000"
                put_item(store, phase, f"{number}-RTG", "Build routing", routing, ["A"])
                routings.append((routing, bulk_operations(number, operations)))
            numbers.append(number)
    for routing, files in routings:  # a file is its own transaction, as the demo's
        put_operations(workspace, routing, files)
    return numbers
