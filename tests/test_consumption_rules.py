"""The consumption rule of the reference architecture, as pure functions (no I/O)."""

from __future__ import annotations

import time

from core.config import ErpMappings, LocationMapping
from erp.netsuite.consumption import (
    WorkOrderRef,
    completion_body,
    external_id,
    plan_completions,
    reference_problems,
)
from erp.port.completions import completion_key, parse_runs
from tests.factories import MAPPINGS, installation, run_node, seed_example


def plan(*nodes, mappings=MAPPINGS):
    runs, dead = parse_runs(nodes)
    planned = plan_completions(runs, mappings)
    return planned.plans, dead + planned.dead_letters


def lines(plan_):
    return {(line.item, line.location): line.quantity for line in plan_.components}


def test_seed_example_consumes_15_and_9_split_per_location():
    [completion], dead = plan(seed_example())
    assert not dead
    assert lines(completion) == {("COMP-200", "1"): 7.2, ("COMP-200", "2"): 7.8, ("COMP-300", "1"): 9.0}
    per_component: dict[str, float] = {}
    for line in completion.components:
        per_component[line.item] = per_component.get(line.item, 0) + line.quantity
    assert per_component == {"COMP-200": 15.0, "COMP-300": 9.0}
    assert (completion.item, completion.quantity, completion.location, completion.work_order) == ("ASSY-100", 3, "1", "WO1001")


def test_completion_body_carries_external_id_locations_and_components():
    [completion], _ = plan(seed_example())
    body = completion_body(completion, {"ASSY-100": "501", "COMP-200": "502", "COMP-300": "503"})
    assert body["externalId"] == external_id(completion_key(1001)) == "ion-run-1001-completion"
    assert body["quantity"] == 3 and body["location"] == {"id": "1"}
    components = [
        (c["item"]["id"], c["componentInventoryDetail"]["location"]["id"], c["quantity"]) for c in body["component"]["items"]
    ]
    assert components == [("502", "1", 7.2), ("502", "2", 7.8), ("503", "1", 9.0)]


def test_fractional_quantities_are_exact_to_the_unit():
    [completion], _ = plan(run_node(1, 2, [installation("GLUE-1", 0.35, 12), installation("COMP-300", 1.25, 12)]))
    assert lines(completion) == {("GLUE-1", "2"): 0.7, ("COMP-300", "2"): 2.5}


def test_zero_consumption_posts_no_component_line():
    [completion], dead = plan(run_node(1, 2, [installation("COMP-300", 1.5, 2), installation("GLUE-1", 0, 2)]))
    assert not dead
    assert lines(completion) == {("COMP-300", "1"): 3.0}


def test_run_without_installations_posts_the_output_alone():
    [completion], dead = plan(run_node(1004, 1, []))
    assert not dead and completion.components == () and completion.quantity == 1


def test_component_from_three_locations_stays_separate_and_sums():
    mappings = ErpMappings(locations=[LocationMapping(ion=i, erp=str(i)) for i in (2, 3, 4, 11)], items={})
    node = run_node(
        7, 4, [installation("COMP-300", 0.5, 2), installation("COMP-300", 0.25, 3), installation("COMP-300", 1, 4)], location=11
    )
    [completion], _ = plan(node, mappings=mappings)
    assert lines(completion) == {("COMP-300", "2"): 2.0, ("COMP-300", "3"): 1.0, ("COMP-300", "4"): 4.0}
    assert sum(line.quantity for line in completion.components) == 7.0


def test_ion_locations_of_one_site_sum_into_its_netsuite_location():
    [completion], _ = plan(run_node(8, 2, [installation("COMP-300", 0.5, 2), installation("COMP-300", 0.75, 4)]))
    assert lines(completion) == {("COMP-300", "1"): 2.5}


def test_serial_and_lot_numbers_become_inventory_assignments():
    node = run_node(
        1002,
        1,
        [
            installation("RES-10", 4, 11, lot="L-2211"),
            installation("MOD-20", 1, 11, serial="M-0001"),
            installation("MOD-20", 1, 11, serial="M-0002"),
        ],
        part="SAT-500",
        location=12,
        serial="SN-0001",
    )
    [completion], dead = plan(node)
    assert not dead
    by_item = {line.item: line for line in completion.components}
    assert by_item["RES-10"].numbers == (("L-2211", 4.0),)
    assert by_item["MOD-20"].quantity == 2 and by_item["MOD-20"].numbers == (("M-0001", 1.0), ("M-0002", 1.0))
    items = {"SAT-500": "504", "RES-10": "505", "MOD-20": "506"}
    numbers = {("505", "L-2211"): "801", ("506", "M-0001"): "811", ("506", "M-0002"): "812"}
    body = completion_body(completion, items, numbers)
    # The built serial enters inventory (receiptInventoryNumber, text); consumed numbers leave it
    # and are the existing inventoryNumber records (issueInventoryNumber, a reference).
    assert body["inventoryDetail"]["inventoryAssignment"]["items"] == [{"receiptInventoryNumber": "SN-0001", "quantity": 1}]
    issued = {
        line["item"]["id"]: line["componentInventoryDetail"]["inventoryAssignment"]["items"]
        for line in body["component"]["items"]
    }
    assert issued["506"] == [
        {"issueInventoryNumber": {"id": "811"}, "quantity": 1.0},
        {"issueInventoryNumber": {"id": "812"}, "quantity": 1.0},
    ]
    as_text = completion_body(completion, items)  # NETSUITE_COMPONENT_NUMBER_FIELD=receiptInventoryNumber
    [lot_line] = [line for line in as_text["component"]["items"] if line["item"]["id"] == "505"]
    assert lot_line["componentInventoryDetail"]["inventoryAssignment"]["items"] == [
        {"receiptInventoryNumber": "L-2211", "quantity": 4.0}
    ]
    work_order = WorkOrderRef("2002", "WO1002", "B", "504")
    assert reference_problems(completion, items, work_order, numbers) == []
    [problem] = reference_problems(completion, items, work_order, {k: v for k, v in numbers.items() if k[1] != "M-0002"})
    assert "MOD-20 lot/serial M-0002 is not in NetSuite" in problem


def test_part_numbers_map_to_netsuite_names_where_they_differ():
    [completion], _ = plan(run_node(3, 2, [installation("BRKT-7", 2, 2)]))
    assert lines(completion) == {("BRACKET-0007", "1"): 4.0}


def test_very_large_run_expands_quickly_and_exactly():
    installs = [installation(f"BULK-C{i % 20:02d}", 0.001 * (i % 7 + 1), 2 if (i // 20) % 2 else 11) for i in range(2000)]
    started = time.perf_counter()
    [completion], dead = plan(run_node(9, 10_000, installs))
    elapsed = time.perf_counter() - started
    assert not dead
    expected = sum(10_000 * 0.001 * (i % 7 + 1) for i in range(2000))
    assert abs(sum(line.quantity for line in completion.components) - expected) < 1e-6
    assert len(completion.components) == 40  # 20 components × 2 NetSuite locations
    print(f"2,000 installations planned in {elapsed * 1000:.0f} ms")


def test_unmapped_location_is_a_dead_letter_naming_run_part_and_location():
    good = run_node(1, 1, [installation("COMP-200", 1, 2)])
    bad = run_node(1007, 1, [installation("COMP-200", 1, 13)])
    plans, dead = plan(good, bad)
    assert [p.run_id for p in plans] == [1]
    [letter] = dead
    assert letter.key == "ion:run:1007:completion"
    assert "run 1007" in letter.reason and "COMP-200" in letter.reason and "ION location 13" in letter.reason
    assert "netsuite.locations" in letter.reason


def test_negative_quantity_is_a_dead_letter_naming_the_field():
    _, [letter] = plan(run_node(5, 2, [installation("COMP-200", -1, 2)]))
    assert letter.reason.startswith("run 5:")
    assert "abomInstallations[0].quantityInstalledPerParentPartInventory = -1" in letter.reason


def test_non_numeric_and_missing_fields_are_dead_letters_naming_the_field():
    non_numeric = run_node(6, "three", [])
    missing_location = run_node(7, 1, [installation("COMP-200", 1, None)])
    no_end_time = run_node(8, 1, [])
    del no_end_time["endTime"]
    plans, dead = plan(non_numeric, missing_location, no_end_time, run_node(9, 1, []))
    assert [p.run_id for p in plans] == [9]
    reasons = {d.key: d.reason for d in dead}
    assert "partInventory.quantity = 'three'" in reasons["ion:run:6:completion"]
    assert "abomInstallations[0].partInventory.location" in reasons["ion:run:7:completion"]
    assert "endTime is missing" in reasons["ion:run:8:completion"]


def test_zero_output_and_missing_work_order_are_dead_letters():
    plans, dead = plan(run_node(10, 0, []), run_node(11, 1, [], work_order=None))
    assert not plans
    reasons = {d.key: d.reason for d in dead}
    assert "partInventory.quantity = 0" in reasons["ion:run:10:completion"]
    assert "'NetSuite Work Order' attribute" in reasons["ion:run:11:completion"]


def test_tracked_component_without_its_number_is_a_dead_letter():
    _, [letter] = plan(run_node(12, 1, [installation("MOD-20", 1, 11, tracking="SERIAL")]))
    assert "MOD-20 is serial-tracked" in letter.reason and "serialNumber" in letter.reason
