"""The Odoo simulator keeps Odoo's contract (sandbox/odoo/SOURCES.md): each call one transaction,
the fields of its version only, the validation wizards, both transports, commit-then-drop.
In process (httpx.ASGITransport): no server, no subprocess."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from sandbox.odoo import OdooSimConfig, create_app

KEY = OdooSimConfig().api_key


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def json2(app: Any, model: str, method: str, **body: Any) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://odoo.test") as http:
        return await http.post(f"/json/2/{model}/{method}", json=body, headers={"Authorization": f"bearer {KEY}"})


async def rpc(app: Any, model: str, method: str, args: list[Any], kwargs: dict[str, Any] | None = None) -> dict[str, Any]:
    config = OdooSimConfig()
    body = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": [config.database, config.uid, KEY, model, method, args, kwargs or {}],
        },
    }
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://odoo.test") as http:
        response = await http.post("/jsonrpc", json=body)
    assert response.status_code == 200  # JSON-RPC errors ride in the body
    return dict(response.json())


def test_json2_exists_from_19_and_jsonrpc_in_every_version() -> None:
    for version in (16, 17, 18):
        app = create_app(OdooSimConfig(version=version))
        assert run(json2(app, "res.partner", "search_read", fields=["name"])).status_code == 404
        assert "result" in run(rpc(app, "res.partner", "search_read", [], {"fields": ["name"]}))
    app = create_app(OdooSimConfig(version=19))
    assert run(json2(app, "res.partner", "search_read", fields=["name"])).status_code == 200


def test_a_field_of_another_version_is_refused_as_odoo_refuses_it() -> None:
    for version, stale in ((17, "quantity_done"), (16, "picked")):
        answer = run(rpc(create_app(OdooSimConfig(version=version)), "stock.move", "search_read", [], {"fields": [stale]}))
        assert answer["error"]["data"]["name"] == "builtins.ValueError" and stale in answer["error"]["data"]["message"]


def test_a_bad_key_is_the_documented_401() -> None:
    async def call() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app()), base_url="http://o") as http:
            return await http.post("/json/2/res.partner/search_read", json={}, headers={"Authorization": "bearer nope"})

    response = run(call())
    assert response.status_code == 401 and response.json()["name"] == "werkzeug.exceptions.Unauthorized"


def test_a_failing_call_changes_nothing() -> None:
    app = create_app()
    moves = run(json2(app, "stock.move", "search_read", domain=[["picking_id", "=", 1]], fields=["product_uom_qty"])).json()
    refused = run(
        json2(app, "stock.picking", "write", ids=[1], vals={"move_ids": [[1, moves[0]["id"], {"quantity": 5}]], "nope": 1})
    )
    assert refused.status_code == 422 and refused.json()["name"] == "builtins.ValueError"
    after = run(json2(app, "stock.move", "search_read", domain=[["id", "=", moves[0]["id"]]], fields=["quantity"])).json()
    assert after[0]["quantity"] == 0.0


@pytest.mark.parametrize("version", [16, 17, 19])
def test_a_partial_receipt_asks_about_the_backorder_and_keeps_the_rest_open(version: int) -> None:
    app = create_app(OdooSimConfig(version=version))
    done = "quantity" if version >= 17 else "quantity_done"
    [move, _] = run(rpc(app, "stock.move", "search_read", [[["picking_id", "=", 1]]], {"fields": ["id"]}))["result"]
    if version == 16:  # nothing done: 16 offers the immediate transfer
        asked = run(rpc(app, "stock.picking", "button_validate", [[1]]))["result"]
        assert asked["res_model"] == "stock.immediate.transfer"
    run(rpc(app, "stock.picking", "write", [[1], {"move_ids": [[1, move["id"], {done: 30}]]}]))
    asked = run(rpc(app, "stock.picking", "button_validate", [[1]]))["result"]
    assert asked["res_model"] == "stock.backorder.confirmation"
    wizard = run(rpc(app, asked["res_model"], "create", [{}], {"context": asked["context"]}))["result"]
    assert run(rpc(app, asked["res_model"], "process", [[wizard]], {"context": asked["context"]}))["result"] is True
    pickings = run(
        rpc(app, "stock.picking", "search_read", [[["purchase_id", "=", 1501]]], {"fields": ["state", "backorder_id"]})
    )["result"]
    assert [(p["state"], bool(p["backorder_id"])) for p in pickings] == [("done", False), ("assigned", True)]
    lines = run(rpc(app, "purchase.order.line", "search_read", [[["order_id", "=", 1501]]], {"fields": ["qty_received"]}))[
        "result"
    ]
    assert [line["qty_received"] for line in lines] == [30.0, 0.0]
    if version < 17:
        assert "result" in run(rpc(app, "stock.immediate.transfer", "search_read", [], {}))
    else:
        assert run(rpc(app, "stock.immediate.transfer", "search_read", [], {}))["error"]["code"] == 404


def test_a_manufacturing_order_asks_about_consumption_then_the_backorder() -> None:
    app = create_app(OdooSimConfig(version=17))
    run(rpc(app, "mrp.production", "write", [[2001], {"qty_producing": 2}]))
    asked = run(rpc(app, "mrp.production", "button_mark_done", [[2001]]))["result"]
    assert asked["res_model"] == "mrp.consumption.warning"
    wizard = run(rpc(app, asked["res_model"], "create", [{}], {"context": asked["context"]}))["result"]
    asked = run(rpc(app, asked["res_model"], "action_confirm", [[wizard]], {"context": asked["context"]}))["result"]
    assert asked["res_model"] == "mrp.production.backorder"
    wizard = run(rpc(app, asked["res_model"], "create", [{}], {"context": asked["context"]}))["result"]
    assert run(rpc(app, asked["res_model"], "action_backorder", [[wizard]], {"context": asked["context"]}))["result"] is True
    mos = run(
        rpc(app, "mrp.production", "search_read", [[["name", "like", "WO1001"]]], {"fields": ["name", "state", "product_qty"]})
    )["result"]
    assert [(m["name"], m["state"], m["product_qty"]) for m in mos] == [("WO1001", "done", 2), ("WO1001-002", "confirmed", 1)]


def test_without_the_manufacturing_app_there_is_no_mrp_production() -> None:
    answer = run(rpc(create_app(OdooSimConfig(mrp_installed=False)), "mrp.production", "search_read", [], {}))
    assert answer["error"]["code"] == 404


def test_a_write_can_commit_and_lose_its_answer() -> None:
    async def scenario() -> tuple[Any, ...]:
        app = create_app()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://o"
        ) as http:
            await http.put("/_sandbox/faults", json={"drop_after_commit_rate": 1.0})
            headers = {"Authorization": f"bearer {KEY}"}
            values = {"vals_list": [{"name": "ion", "date": "2026-11-20", "unit_amount": 1.0, "project_id": 77}]}
            answer = await http.post("/json/2/account.analytic.line/create", json=values, headers=headers)
            lost = answer.content  # in process the dropped connection is a cut-off body
            read = await http.post("/json/2/account.analytic.line/search_read", json={"fields": ["name"]}, headers=headers)
            return lost, read.json()

    lost, landed = run(scenario())
    assert lost == b'{"partial":' and [row["name"] for row in landed] == ["ion"]
