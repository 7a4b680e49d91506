"""The demo products (sandbox/README.md, "Onshape simulator"): the engineering side of the ION
simulator's demo factory in one Onshape document, the same part numbers as the Arena demo,
released as Onshape releases them (release packages over document versions), with a release
that takes ASSY-100 from rev A to rev B while ION run 1005 still builds rev A."""

from __future__ import annotations

from typing import Any

from sandbox.onshape.config import OnshapeSimConfig
from sandbox.onshape.store import ASSEMBLY, PART_STUDIO, Company, Part

PART_STUDIO_ID = "e00000000000000000000p01"

#: number, name, element id, element type, part id (Part Studio parts only)
PARTS = [
    ("COMP-200", "Component Part One", PART_STUDIO_ID, PART_STUDIO, "JFD"),
    ("COMP-300", "Component Part Two", PART_STUDIO_ID, PART_STUDIO, "JGD"),
    ("BRKT-7", "Bracket", PART_STUDIO_ID, PART_STUDIO, "JHD"),
    ("RES-10", "Resistor kit", PART_STUDIO_ID, PART_STUDIO, "JID"),
    ("ANT-30", "Antenna, patch", PART_STUDIO_ID, PART_STUDIO, "JKD"),  # never released
    ("MOD-20", "RF module", "e00000000000000000000a20", ASSEMBLY, None),
    ("ASSY-100", "Assembly Part One", "e0000000000000000000a100", ASSEMBLY, None),
    ("SAT-500", "Satellite modem", "e0000000000000000000a500", ASSEMBLY, None),
]

INITIAL: list[dict[str, Any]] = [
    {"partNumber": "COMP-200", "revision": "A"},
    {"partNumber": "COMP-300", "revision": "A"},
    {"partNumber": "BRKT-7", "revision": "A"},
    {"partNumber": "RES-10", "revision": "A"},
    {"partNumber": "MOD-20", "revision": "A", "bom": [{"partNumber": "RES-10", "quantity": 2}]},
    {
        "partNumber": "ASSY-100",
        "revision": "A",
        "bom": [{"partNumber": "COMP-200", "quantity": 5}, {"partNumber": "COMP-300", "quantity": 3}],
    },
    {
        "partNumber": "SAT-500",
        "revision": "A",
        "bom": [{"partNumber": "MOD-20", "quantity": 1}, {"partNumber": "RES-10", "quantity": 4}],
    },
]

CHANGE_NAME = "ASSY-100 rev B: add bracket, reduce COMP-300"
CHANGE: list[dict[str, Any]] = [
    {
        "partNumber": "ASSY-100",
        "revision": "B",
        "bom": [
            {"partNumber": "COMP-200", "quantity": 5},
            {"partNumber": "COMP-300", "quantity": 2.5},
            {"partNumber": "BRKT-7", "quantity": 2},
        ],
    }
]


def seed_demo(company: Company, config: OnshapeSimConfig) -> None:
    with company.lock:
        for number, name, element, element_type, part_id in PARTS:
            company.parts[number] = Part(number, name, element, element_type, part_id)
        company.release("Initial release", INITIAL, released=True)
        company.release("SAT-500 rev B", [{"partNumber": "SAT-500", "revision": "B"}], released=True)
        company.release(CHANGE_NAME, CHANGE, released=config.change_released_at_seed)
