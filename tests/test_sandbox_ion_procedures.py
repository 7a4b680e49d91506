"""The ION simulator's procedures (schema_procedures.graphql): versions are never edited once
released, a clone is the next version, releasing archives the one before; runs show the
procedure they follow and what their steps recorded. In-process (httpx.ASGITransport)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.test_sandbox_ion import Ion, _ion


@pytest.fixture
async def ion() -> AsyncIterator[Ion]:
    async with _ion() as client:
        yield client


PROCEDURE = "query ($t: String!) { procedures(filters: {title: {eq: $t}}) { edges { node { id _etag version status familyId editable steps { id _etag title position } } } } }"


async def _versions(ion: Ion, title: str) -> list[dict]:
    return [e["node"] for e in (await ion.data(PROCEDURE, {"t": title}))["procedures"]["edges"]]


async def test_a_released_procedure_is_cloned_never_edited(ion: Ion) -> None:
    [v1] = await _versions(ion, "ASSY-100 Build routing")
    assert (v1["version"], v1["status"], v1["editable"]) == (1, "RELEASED", False)
    step = v1["steps"][0]
    refused = await ion.errors(
        'mutation ($i: ID!, $e: String!) { updateStep(input: {id: $i, etag: $e, content: "x"}) { step { id } } }',
        {"i": step["id"], "e": step["_etag"]},
    )
    assert "cannot be edited" in refused[0]

    clone = (
        await ion.data(
            "mutation ($p: ID!, $e: String!) { cloneProcedure(procedureId: $p, etag: $e) { procedure { id _etag version status steps { id _etag title } } } }",
            {"p": v1["id"], "e": v1["_etag"]},
        )
    )["cloneProcedure"]["procedure"]
    assert (clone["version"], clone["status"], [s["title"] for s in clone["steps"]]) == (
        2,
        "DRAFT",
        [s["title"] for s in v1["steps"]],
    )
    await ion.data(
        "mutation ($i: ID!, $e: String!) { deleteStep(id: $i, etag: $e) { id } }",
        {"i": clone["steps"][2]["id"], "e": clone["steps"][2]["_etag"]},
    )
    await ion.data(
        'mutation ($p: ID!) { createStep(input: {procedureId: $p, title: "Op 30 Test", position: 3}) { step { id } } }',
        {"p": clone["id"]},
    )
    await ion.data(
        "mutation ($i: ID!, $e: String!) { updateProcedure(input: {id: $i, etag: $e, status: RELEASED}) { procedure { id } } }",
        {"i": clone["id"], "e": clone["_etag"]},
    )

    old, new = await _versions(ion, "ASSY-100 Build routing")
    assert (old["status"], new["status"]) == ("ARCHIVED", "RELEASED")
    assert [s["title"] for s in new["steps"]] == ["Op 10 Kit components", "Torque witness", "Op 30 Test"]
    assert [s["title"] for s in old["steps"]][-1] == "Op 20 Assemble"  # the archived version kept its steps
    back = await ion.errors(
        "mutation ($i: ID!, $e: String!) { updateProcedure(input: {id: $i, etag: $e, status: DRAFT}) { procedure { id } } }",
        {"i": new["id"], "e": new["_etag"]},
    )
    assert "cannot move from RELEASED to DRAFT" in back[0]


async def test_runs_show_their_procedure_and_what_their_steps_recorded(ion: Ion) -> None:
    run = (
        await ion.data(
            "{ run(id: 1002) { procedureId procedure { title version } steps { title status fields { name type unit value } } } }"
        )
    )["run"]
    assert run["procedure"] == {"title": "SAT-500 Build", "version": 1} and run["procedureId"] == 2
    assert run["steps"][1]["fields"] == [
        {"name": "RF output power", "type": "NUMBER", "unit": "dBm", "value": "27.1"},
        {"name": "Operator sign-off", "type": "SIGNOFF", "unit": None, "value": "jane@factory.example"},
    ]
