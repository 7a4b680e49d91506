"""ION's published contract against our client, without the simulator.

(a) Documented responses (examples/*.json, each with its source URL) parse with our client and
models. (b) Every GraphQL document we send is validated against documented.graphql, ION's schema
as far as public sources show it: what does not validate is listed in UNCONFIRMED (and in
README.md), so a new unconfirmed field cannot slip in unseen; the live schema decides it, which
is what `ion-sync preflight ion` checks. (c) The filters and mutation bodies our code builds are
compared with the documented input shapes."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from graphql import GraphQLInputObjectType, build_schema, parse, validate
from graphql.language import FieldNode, OperationDefinitionNode
from graphql.utilities import validate_input_value
from pydantic import TypeAdapter

from connectors.errors import AuthError
from connectors.ion import IonClient, IonSettings
from connectors.ion.client import _data
from connectors.ion.models.inventory import AbomInstallation
from connectors.ion.queries import (
    COMPLETED_RUNS,
    LABOR_SESSIONS,
    ME,
    UPDATE_PURCHASE_ORDER,
    Query,
)
from connectors.ion.range_filters import split_filters
from core.config import PurchasingMappings
from flows.consumption_sync import run_filters
from flows.labor_sync import session_filters
from flows.receipt_sync import receipt_filters
from mes.ion.purchasing import IonPurchasing

HERE = Path(__file__).parent
QUERIES = sorted((HERE.parents[2] / "connectors" / "ion" / "queries").glob("*.graphql"))
SCHEMA = build_schema((HERE / "documented.graphql").read_text())


def example(name: str) -> dict[str, Any]:
    return json.loads((HERE / "examples" / f"{name}.json").read_text())


def response(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json=body)


def _settings(**overrides: Any) -> IonSettings:
    values: dict[str, Any] = {
        "api_url": "https://ion.example",
        "auth_url": "https://auth.example/token",
        "client_id": "id",
        "client_secret": "secret",
        **overrides,
    }
    return IonSettings(**values)


def recording(sent: list[dict[str, Any]], answer: dict[str, Any]) -> httpx.MockTransport:
    """An ION that issues any token, records each GraphQL body and gives one answer."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "t", "expires_in": 300, "token_type": "Bearer"})
        sent.append(json.loads(request.content))
        return httpx.Response(200, json=answer)

    return httpx.MockTransport(handle)


# --- (a) documented responses through our client and models ------------------------------------


def test_every_example_records_its_source():
    for path in (HERE / "examples").glob("*.json"):
        assert json.loads(path.read_text())["source"], path.name


def test_the_documented_me_answer_parses_and_our_check_asks_a_subset_of_it():
    me = example("me")
    assert _data(ME, response(me["response"]))["me"]["email"] == "ada@acme.com"
    assert validate(SCHEMA, parse(ME.text)) == []


def test_documented_ids_are_json_numbers_and_etags_32_hex():
    run = _data(
        Query("run", example("run_step_fields")["request"]["query"], False), response(example("run_step_fields")["response"])
    )["run"]
    fields = run["steps"][0]["fields"]
    assert isinstance(run["id"], int) and all(isinstance(f["id"], int) for f in fields)
    assert all(re.fullmatch(r"[0-9a-f]{32}", f["_etag"]) for f in fields)


def test_the_documented_cursor_is_a_graphene_offset_cursor_our_client_passes_back_verbatim():
    published = example("pagination_parts")["response_as_published"]["data"]["procedures"]
    cursor = published["pageInfo"]["endCursor"]
    assert base64.b64decode(cursor) == b"arrayconnection:19"
    assert [edge["node"]["id"] for edge in published["edges"]] == [20, 22, 24, 26, 28]
    sent: list[dict[str, Any]] = []
    answer = {"data": {"parts": {**published, "pageInfo": {"endCursor": None, "hasNextPage": False}}}}

    async def fetch() -> list[int]:
        async with IonClient(_settings(), transport=recording(sent, answer)) as ion:
            page = await ion.page(
                Query("parts", example("pagination_parts")["request"]["query"], False), "parts", {}, first=5, after=cursor
            )
            return [n["id"] for n in page.nodes]

    assert asyncio.run(fetch()) == [20, 22, 24, 26, 28]
    assert sent[0]["variables"] == {"first": 5, "after": cursor}


def test_the_documented_permission_error_is_an_auth_error():
    with pytest.raises(AuthError, match="User does not have permission"):
        _data(UPDATE_PURCHASE_ORDER, response(example("errors")["graphql_error"]))


def test_the_consumption_guide_s_worked_example_parses_and_gives_its_totals():
    guide = example("consumption")
    node = guide["response_from_worked_example"]["data"]["runs"]["edges"][0]["node"]
    produced = node["partInventory"]["quantity"]
    totals: dict[str, float] = {}
    for requirement in node["partInventory"]["buildRequirements"]:
        for raw in requirement["abomInstallations"]:
            installation = TypeAdapter(AbomInstallation).validate_python(raw)
            number = installation["partInventory"]["part"]["partNumber"]
            totals[number] = totals.get(number, 0) + produced * installation["quantityInstalledPerParentPartInventory"]
    assert totals == pytest.approx({"Component Part One": 15, "Component Part Two": 9})
    # Our consumption query asks for everything the guide's query asks for.
    assert _paths(guide["request"]["query"]) <= _paths(COMPLETED_RUNS.text)


def test_labor_sync_asks_for_every_session_field_the_manual_shows_but_reaches_the_run_another_way():
    # The manual shows `runStep { runId }`; labor-sync reads `runStep { run { id attributes } }`
    # for the work-order attribute (RunStep.run is unconfirmed: preflight probes LaborSessions).
    assert _paths(example("sessions")["request"]["query"]) - _paths(LABOR_SESSIONS.text) == {"sessions.edges.node.runStep.runId"}


# --- (b) our documents against the documented schema ---------------------------------------------

# What each document uses that no public source shows (ion.md §2.3: sort values, filter fields
# and range operators are unpublished; §3: relations named only by INFERENCE). Empty = confirmed.
UNCONFIRMED: dict[str, set[str]] = {
    "acceptance_purchase_order": set(),
    "completed_runs": {"Run.attributes", "AbomInstallation.quantityInstalledPerParentPartInventory"},
    "create_purchase_order": set(),
    "create_purchase_order_line": set(),
    "create_supplier": set(),
    "ion_purchase_orders": {"sort PurchaseOrderSortEnum.ID_ASC"},
    "labor_sessions": {
        "type SessionsInputFilters",
        "argument Query.sessions(filters)",
        "SessionConnection.pageInfo",
        "Session._updated",
        "RunStep.run",
    },
    "locations": set(),
    "match_purchase_orders": set(),
    "me": set(),
    "on_hand_inventory": set(),
    "parts_by_number": set(),
    "plm_create_issue": {"Issue.runId"},
    "plm_create_mbom": {"type CreateMBomInput", "Mutation.createMbom"},
    "plm_create_mbom_item": set(),
    "plm_create_mbom_refdes": {"type CreateMBomItemReferenceDesignatorInput", "Mutation.createMbomItemReferenceDesignator"},
    "plm_create_part": set(),
    "plm_create_part_revision": set(),
    "plm_mboms": {"Part.mboms"},
    "plm_ncrs": {"sort IssueSortEnum.ID_ASC", "Issue.run", "Issue.partInventory"},
    "plm_open_runs": {"filter RunsInputFilters.partId", "filter RunsInputFilters.status", "sort RunSortEnum.ID_ASC"},
    "plm_parts": {"sort PartSortEnum.ID_ASC"},
    "plm_run_issues": set(),
    "plm_update_mbom": {"type UpdateMBomInput", "Mutation.updateMbom"},
    "plm_update_part": set(),
    "plm_update_part_attribute": set(),
    "preflight_installed_per_parent": {"AbomInstallation.quantityInstalledPerParentPartInventory"},
    "preflight_run_attributes": {"filter RunsInputFilters.status", "Run.attributes"},
    "purchase_order_keys": {"sort PurchaseOrderSortEnum.ID_ASC", "filter PurchaseOrderAttributesInputFilters.key"},
    "quickbooks_line_attributes": set(),
    "quickbooks_parts": {"sort PartSortEnum.ID_ASC"},
    "quickbooks_purchase_orders": {"sort PurchaseOrderSortEnum.UPDATED_ASC"},
    "ramp_create_supplier": set(),
    "ramp_purchase_orders": {"sort PurchaseOrderSortEnum.ID_ASC", "Supplier.attributes"},
    "ramp_receipts": {"sort ReceiptSortEnum.ID_ASC", "ReceiptItem.purchaseOrderLine"},
    "ramp_suppliers": {"sort SupplierSortEnum.ID_ASC", "Supplier.attributes"},
    "ramp_update_purchase_order": set(),
    "ramp_update_supplier": set(),
    "ramp_update_supplier_attribute": set(),
    "receipts": {"sort ReceiptSortEnum.ID_ASC", "ReceiptItem.purchaseOrderLine"},
    "suppliers": {"sort SupplierSortEnum.ID_ASC", "Supplier.attributes"},
    "update_purchase_order": set(),
    "update_purchase_order_attribute": set(),
    "update_purchase_order_line": set(),
    "update_purchase_order_line_attribute": set(),
    "update_supplier_attribute": set(),
    "plm_as_built": {
        "AbomInstallation.quantityInstalledPerParentPartInventory",
        "BuildRequirement.part",
        "Run.procedure",
        "sort RunSortEnum.ID_ASC",
    },
    "plm_clone_procedure": {"Mutation.cloneProcedure"},
    "plm_create_procedure": {"Mutation.createProcedure"},
    "plm_create_step": {"Mutation.createStep", "type CreateStepInput"},
    "plm_delete_step": {"Mutation.deleteStep"},
    "plm_inspections": {"Run.procedure", "RunStep.fields", "filter RunsInputFilters.status", "sort RunSortEnum.ID_ASC"},
    "plm_procedures": {"Query.procedures"},
    "plm_update_procedure": {"Mutation.updateProcedure", "type UpdateProcedureInput"},
    "plm_update_step": {"Mutation.updateStep", "type UpdateStepInput"},
}

_PATTERNS = [
    (r"Cannot query field '(\w+)' on type '(\w+)'", lambda m: f"{m[2]}.{m[1]}"),
    (r"Value '(\w+)' does not exist in '(\w+)' enum", lambda m: f"sort {m[2]}.{m[1]}"),
    (r"Expected value of type '(\w+)' not to include unknown field '(\w+)'", lambda m: f"filter {m[1]}.{m[2]}"),
    (r"Unknown type '(\w+)'", lambda m: f"type {m[1]}"),
    (r"Unknown argument '(\w+)' on field '([\w.]+)'", lambda m: f"argument {m[2]}({m[1]})"),
]


def _token(message: str) -> str:
    for pattern, name in _PATTERNS:
        if match := re.search(pattern, message):
            return name(match)
    raise AssertionError(message)


def unconfirmed(text: str) -> set[str]:
    return {_token(error.message) for error in validate(SCHEMA, parse(text))}


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_each_document_uses_only_documented_fields_or_its_listed_unconfirmed_ones(path: Path):
    assert path.stem in UNCONFIRMED, f"{path.name} is new: add it to UNCONFIRMED and to README.md"
    assert unconfirmed(path.read_text()) == UNCONFIRMED[path.stem]


# --- (c) filters and mutation bodies our code builds --------------------------------------------


def coercion_errors(type_name: str, value: dict[str, Any]) -> set[str]:
    input_type = SCHEMA.get_type(type_name)
    assert isinstance(input_type, GraphQLInputObjectType)
    errors: list[str] = []
    validate_input_value(value, input_type, lambda error, _path: errors.append(error.message), True)
    return {_token(message) for message in errors}


def test_the_documented_filter_examples_fit_the_documented_inputs():
    for case in example("filters")["examples"]:
        assert coercion_errors(case["type"], case["filters"]) == set(), case


def test_the_time_windows_our_flows_send_use_operators_no_source_publishes():
    since, until = datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC)
    env = SimpleNamespace(ion=_settings())
    windows = {
        "RunsInputFilters": run_filters(env, since, until, None),  # type: ignore[arg-type]
        "SessionsInputFilters": session_filters(env, since, until, None),  # type: ignore[arg-type]
        "ReceiptsInputFilters": receipt_filters(since, until, None),
    }
    assert windows["RunsInputFilters"] == {
        "status": {"eq": "COMPLETE"},
        "endTime": {"gte": "2026-11-20T00:00:00Z", "lt": "2026-11-21T00:00:00Z"},
    }
    assert coercion_errors("RunsInputFilters", windows["RunsInputFilters"]) == {
        "filter RunsInputFilters.status",
        "filter RunsInputFilters.endTime",
    }
    assert SCHEMA.get_type("SessionsInputFilters") is None  # sessions take no published filters at all
    assert coercion_errors("ReceiptsInputFilters", windows["ReceiptsInputFilters"]) == {"filter ReceiptsInputFilters._created"}
    # With ION_RANGE_FILTERS=client only the confirmed eq/neq/in operators leave.
    sent, kept = split_filters(windows["RunsInputFilters"])
    assert sent == {"status": {"eq": "COMPLETE"}} and set(kept["endTime"]) == {"gte", "lt"}


def test_our_purchase_order_status_change_has_the_documented_shape():
    documented = example("update_purchase_order")["request"]
    sent: list[dict[str, Any]] = []
    answer = {"data": {"updatePurchaseOrder": {"purchaseOrder": {"id": 10, "_etag": "e", "status": "DRAFT"}}}}

    async def change_status() -> None:
        async with IonClient(_settings(), transport=recording(sent, answer)) as ion:
            await IonPurchasing(ion, PurchasingMappings())._status("10", "...", "DRAFT")

    asyncio.run(change_status())
    ours = sent[0]["variables"]["input"]
    assert (
        set(ours) == set(documented["variables"]["input"]) and ours["status"] in example("update_purchase_order")["status_values"]
    )
    assert coercion_errors("UpdatePurchaseOrderInput", ours) == set()


def _paths(text: str) -> set[str]:
    """Every field path of a document's first operation, e.g. `runs.edges.node.title`."""
    operation = next(d for d in parse(text).definitions if isinstance(d, OperationDefinitionNode))
    paths: set[str] = set()

    def walk(selections: Any, prefix: str) -> None:
        for selection in selections:
            if isinstance(selection, FieldNode):
                path = f"{prefix}{selection.name.value}"
                paths.add(path)
                if selection.selection_set:
                    walk(selection.selection_set.selections, path + ".")

    walk(operation.selection_set.selections, "")
    return paths
