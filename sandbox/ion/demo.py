"""The demo factory, exactly as the tables in sandbox/README.md ("The demo factory") give it.

Ids the README fixes are used as given (locations 1-13, parts 101-109, runs 1001-1009).
Ids it leaves open are handed out in a fixed order so they are stable too: part inventories
from 10001 (each run's product, then its installed components, run by run; then the on-hand
stock in table order), build requirements from 20001, aBOM installations from 30001,
run attributes from 40001. endTime runs from 08:00 (run 1001) to 16:00 UTC (run 1009) on
2026-11-20, one hour apart; startTime is 45 minutes before; `_created` = startTime and
`_updated` = endTime. As the README says, every run has an endTime, 1005 (IN_PROGRESS) too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sandbox.ion.specs import InstallationSpec, ProducedSpec, RunSpec
from sandbox.ion.store import IonStore
from sandbox.ion.timestamps import to_stored

CATALOG_STAMP = to_stored(datetime(2026, 11, 1, tzinfo=UTC))

LOCATIONS: list[tuple[int, str, int | None]] = [
    (1, "Hawthorne", None),
    (2, "Hawthorne / Stores", 1),
    (3, "Hawthorne / Line 1", 1),
    (4, "Hawthorne / Cage", 1),
    (10, "Long Beach", None),
    (11, "Long Beach / Stores", 10),
    (12, "Long Beach / Line 2", 10),
    (13, "Long Beach / Quarantine", 10),
]

# (id, partNumber, revision, description, trackingType, partType)
PARTS: list[tuple[int, str, str, str | None, str | None, str]] = [
    (101, "ASSY-100", "A", "Assembly Part One", None, "PART"),
    (102, "COMP-200", "A", "Component Part One", None, "PART"),
    (103, "COMP-300", "A", "Component Part Two", None, "PART"),
    (104, "SAT-500", "B", "Satellite modem", "SERIAL", "PART"),
    (105, "RES-10", "A", "Resistor kit", "LOT", "PART"),
    (106, "MOD-20", "A", "RF module", "SERIAL", "PART"),
    (107, "BRKT-7", "A", "Bracket", None, "PART"),
    (108, "PROTO-9", "A", "Prototype shim", None, "PART"),
    (109, "GLUE-1", "A", "Epoxy, ml", None, "PART"),
]

# run id -> (status, WO, (part, qty, location, serial), [(part, perParent, location, lot, serial)])
RUNS: dict[int, tuple[str, str, tuple[str, float, int, str | None], list[tuple[str, float, int, str | None, str | None]]]] = {
    1001: (
        "COMPLETE",
        "WO1001",
        ("ASSY-100", 3, 3, None),
        [("COMP-200", 2.4, 2, None, None), ("COMP-200", 2.6, 11, None, None), ("COMP-300", 3, 2, None, None)],
    ),
    1002: (
        "COMPLETE",
        "WO1002",
        ("SAT-500", 1, 12, "SN-0001"),
        [("RES-10", 4, 11, "L-2211", None), ("MOD-20", 1, 11, None, "M-0001"), ("GLUE-1", 0.35, 12, None, None)],
    ),
    1003: (
        "COMPLETE",
        "WO1003",
        ("ASSY-100", 2, 3, None),
        [
            ("BRKT-7", 2, 2, None, None),
            ("COMP-300", 0.5, 2, None, None),
            ("COMP-300", 0.75, 11, None, None),
            ("COMP-300", 1.25, 12, None, None),
        ],
    ),
    1004: ("COMPLETE", "WO1004", ("ASSY-100", 1, 3, None), []),
    1005: ("IN_PROGRESS", "WO1005", ("ASSY-100", 1, 3, None), [("COMP-200", 1, 2, None, None)]),
    1006: ("COMPLETE", "WO1006", ("ASSY-100", 1, 3, None), [("PROTO-9", 1, 2, None, None)]),
    1007: ("COMPLETE", "WO1007", ("ASSY-100", 1, 3, None), [("COMP-200", 1, 13, None, None)]),
    1008: ("COMPLETE", "WO9999", ("ASSY-100", 1, 3, None), [("COMP-300", 1, 2, None, None)]),
    1009: ("COMPLETE", "WO1009", ("ASSY-100", 2, 3, None), [("COMP-300", 1.5, 2, None, None), ("GLUE-1", 0, 2, None, None)]),
}

# On-hand stock, status AVAILABLE: (partNumber, quantity, location, serial, lot)
STOCK: list[tuple[str, float, int, str | None, str | None]] = [
    ("COMP-200", 50, 2, None, None),
    ("COMP-200", 10, 4, None, None),
    ("COMP-200", 40, 11, None, None),
    ("COMP-200", 5, 13, None, None),
    ("COMP-300", 87, 2, None, None),
    ("COMP-300", 20, 11, None, None),
    ("COMP-300", 16, 12, None, None),
    ("RES-10", 96, 11, None, "L-2211"),
    *[("MOD-20", 1, 11, f"M-{n:04d}", None) for n in range(2, 6)],
    ("GLUE-1", 99.65, 12, None, None),
    ("BRKT-7", 46, 2, None, None),
    ("PROTO-9", 5, 2, None, None),
]

FIRST_END_TIME = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def run_specs() -> list[RunSpec]:
    """The nine demo runs as admin-route specs (the same path bad-data tests use)."""
    specs = []
    for index, (run_id, (status, work_order, produced, installs)) in enumerate(RUNS.items()):
        part, qty, location, serial = produced
        end = FIRST_END_TIME + timedelta(hours=index)
        specs.append(
            RunSpec(
                id=run_id,
                title=f"Build {part} for {work_order}",
                status=status,
                startTime=end - timedelta(minutes=45),
                endTime=end,
                workOrder=work_order,
                produces=ProducedSpec(partNumber=part, quantity=qty, locationId=location, serialNumber=serial),
                installations=[
                    InstallationSpec(partNumber=p, perParent=per, locationId=loc, lotNumber=lot, serialNumber=sn)
                    for p, per, loc, lot, sn in installs
                ],
            )
        )
    return specs


def seed_demo(store: IonStore, work_order_attribute_key: str) -> None:
    """Locations, parts, the nine runs with their aBOMs, then the on-hand stock."""
    store.insert_locations(LOCATIONS, CATALOG_STAMP)
    store.insert_parts(PARTS, CATALOG_STAMP)
    for spec in run_specs():
        assert spec.startTime is not None and spec.endTime is not None
        store.create_run(
            spec,
            attribute_key=work_order_attribute_key,
            created=to_stored(spec.startTime),
            updated=to_stored(spec.endTime),
        )
    store.insert_stock(((part, qty, loc, serial, lot, "AVAILABLE") for part, qty, loc, serial, lot in STOCK), CATALOG_STAMP)
