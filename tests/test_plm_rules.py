"""The PLM loop's business rules as pure functions: which items are released, eBOM lines as
mBOM lines (numbers mapped, reference designators expanded), which mBOM lines ION keeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.errors import ConfigError
from connectors.ion.plm import Mbom, MbomLine
from core.config import load_mappings
from mes.ion.engineering import plan_mbom, revision_order
from plm.arena.engineering import PartNumbers, ebom_lines, reference_designators, released
from plm.port.boms import BomLine

NUMBERS = PartNumbers({"830-00001": "PCBA-300"})


def test_only_effective_revisions_in_released_phases_count_and_numbers_map():
    items = [
        {
            "guid": "G1",
            "number": "830-00001",
            "name": "PCBA",
            "revisionNumber": "D",
            "lifecyclePhase": {"name": "In Production"},
            "assemblyType": "ASSEMBLY",
        },
        {"guid": "G2", "number": "ANT-30", "revisionNumber": None, "lifecyclePhase": {"name": "Prototype"}},
        {"guid": "G3", "number": "OLD-1", "revisionNumber": "C", "lifecyclePhase": {"name": "Obsolete"}},
    ]
    kept, skipped = released(items, ["In Production"], NUMBERS)
    assert [(i.number, i.revision, i.assembly) for i in kept] == [("PCBA-300", "D", True)]
    assert skipped == ["ANT-30: no effective revision (unreleased)", "OLD-1 rev C: lifecycle phase 'Obsolete' is not released"]
    assert NUMBERS.arena("PCBA-300") == "830-00001" and NUMBERS.arena("COMP-200") == "COMP-200"


def test_ebom_lines_sum_repeated_children_keep_decimals_and_expand_designators():
    bom = [
        {"item": {"number": "830-00001"}, "quantity": 1, "refDes": "U1"},
        {"item": {"number": "RES-10"}, "quantity": 2.5, "refDes": "C15,C6,C10-12"},
        {"item": {"number": "RES-10"}, "quantity": 0.25, "refDes": ""},
    ]
    assert ebom_lines(bom, NUMBERS) == [
        BomLine("PCBA-300", 1.0, refdes=("U1",)),
        BomLine("RES-10", 2.75, refdes=("C15", "C6", "C10", "C11", "C12")),
    ]
    assert reference_designators("R1-4, J2") == ("R1", "R2", "R3", "R4", "J2")
    assert reference_designators("X5-2") == ("X5-2",)  # not a range: kept as written


def test_the_new_mbom_follows_the_ebom_and_keeps_only_ion_only_lines():
    base = Mbom(1, "e", 1, "RELEASED", (MbomLine("COMP-200", 5), MbomLine("COMP-300", 3), MbomLine("GLUE-1", 0.2)), {})
    ebom = [MbomLine("COMP-300", 2.5), MbomLine("BRKT-7", 2, ("MB1", "MB2"))]
    planned = plan_mbom(ebom, base, managed={"COMP-200", "COMP-300"})
    assert planned == [MbomLine("BRKT-7", 2, ("MB1", "MB2")), MbomLine("COMP-300", 2.5), MbomLine("GLUE-1", 0.2)]
    assert plan_mbom(ebom, None, managed=set()) == sorted(ebom, key=lambda line: line.number)


def test_revisions_order_like_letters():
    assert sorted(["B", "AA", "A", "Z"], key=revision_order) == ["A", "B", "Z", "AA"]


def test_an_arena_part_mapping_must_be_one_to_one(tmp_path: Path):
    path = tmp_path / "m.yaml"
    path.write_text('arena:\n  parts: {"A-1": X, "A-2": X}\n')
    with pytest.raises(ConfigError, match="ION part number\\(s\\) X mapped from more than one Arena item"):
        load_mappings(path)
