"""Odoo's own published examples (examples/*.json, each with its source) against our client.
No simulator: every response is Odoo's, served by an httpx.MockTransport that also records what
the client sent, so a misunderstanding shared by client and simulator cannot pass."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.errors import AuthError, ConfigError, DataError, TransientError
from connectors.odoo import OdooClient, OdooSettings
from connectors.retry import RetryPolicy

EXAMPLES = Path(__file__).parent / "examples"
JSON2 = json.loads((EXAMPLES / "json2.json").read_text())
RPC = json.loads((EXAMPLES / "jsonrpc.json").read_text())


class Recorder:
    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.responses.pop(0)


def client(recorder: Recorder, **settings: Any) -> OdooClient:
    values: dict[str, Any] = {
        "url": "https://mycompany.example.com",
        "api_key": "6578616d706c65206a736f6e20617069206b6579",
        "retry": RetryPolicy(attempts=1),
    }
    return OdooClient(OdooSettings(**(values | settings)), transport=httpx.MockTransport(recorder))


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_json2_search_read_sends_the_documented_request_and_reads_the_documented_answer() -> None:
    documented = JSON2["search_read"]
    recorder = Recorder(httpx.Response(200, json=JSON2["version"]["response"]), httpx.Response(200, json=documented["response"]))

    async def call() -> Any:
        async with client(recorder, database="mycompany") as odoo:
            assert odoo.version == 19  # from GET /web/version
            domain = documented["body"]["domain"]
            return await odoo.search_read("res.partner", domain, ["name"], context={"lang": "en_US"})

    assert run(call()) == documented["response"]
    version, sent = recorder.requests
    assert version.method == "GET" and version.url.path == JSON2["version"]["path"]
    assert sent.method == "POST" and sent.url.path == documented["path"]
    assert sent.headers["Authorization"] == documented["headers"]["Authorization"]
    assert sent.headers["X-Odoo-Database"] == "mycompany" and sent.headers["Content-Type"].startswith("application/json")
    body = json.loads(sent.content)
    assert {k: body[k] for k in documented["body"]} == documented["body"]


def test_json2_record_methods_send_ids_in_the_body() -> None:
    recorder = Recorder(httpx.Response(200, json=[{"id": 1, "name": "a"}]))

    async def call() -> Any:
        async with client(recorder, version=19) as odoo:
            return await odoo.call("res.partner", "read", [1, 2, 3], fields=["name"], load=None, context={"lang": "en_US"})

    run(call())
    assert json.loads(recorder.requests[0].content) == JSON2["read"]["body"]


def test_json2_error_object_401_is_an_auth_error_naming_the_settings_not_the_key() -> None:
    documented = JSON2["unauthorized"]
    recorder = Recorder(httpx.Response(documented["status"], json=documented["response"]))

    async def call() -> Any:
        async with client(recorder, version=19) as odoo:
            return await odoo.search_read("res.partner", [], ["name"])

    with pytest.raises(AuthError) as refused:
        run(call())
    assert "ODOO_API_KEY" in str(refused.value) and "6578616d" not in str(refused.value)


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("odoo.exceptions.ValidationError", DataError),
        ("odoo.exceptions.UserError", DataError),
        ("odoo.exceptions.AccessError", ConfigError),
        ("odoo.exceptions.AccessDenied", AuthError),
        ("psycopg2.errors.SerializationFailure", TransientError),
    ],
)
def test_jsonrpc_errors_come_back_as_http_200_and_map_by_exception_name(name: str, error: type[Exception]) -> None:
    answer = json.loads(json.dumps(RPC["error"]))
    answer["error"]["data"]["name"] = name
    recorder = Recorder(httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": 2}), httpx.Response(200, json=answer))

    async def call() -> Any:
        async with client(recorder, transport="jsonrpc", database="db", username="admin", version=17) as odoo:
            return await odoo.write("res.partner", [7], {"name": "x"})

    with pytest.raises(error):
        run(call())


def test_jsonrpc_authenticates_then_calls_execute_kw_with_db_uid_key_model_method_args_kwargs() -> None:
    recorder = Recorder(
        httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": 2}),
        httpx.Response(
            200, json={"jsonrpc": "2.0", "id": 2, "result": {**RPC["version"], "server_version_info": [16, 0, 0, "final", 0, ""]}}
        ),
        httpx.Response(200, json={"jsonrpc": "2.0", "id": 3, "result": RPC["search_result"]}),
    )

    async def call() -> Any:
        async with client(recorder, transport="jsonrpc", database="db", username="admin", api_key="password") as odoo:
            assert odoo.uid == 2 and odoo.version == 16
            return await odoo.call("res.partner", "search", domain=[["is_company", "=", True]], offset=10, limit=5)

    assert run(call()) == RPC["search_result"]
    login, version, search = (json.loads(r.content) for r in recorder.requests)
    documented = RPC["authenticate"]["params"]
    assert login["params"] == {**documented, "args": ["db", "admin", "password", {}]}
    assert version["params"]["service"] == "common" and version["params"]["method"] == "version"
    args = search["params"]["args"]
    assert search["params"]["service"] == "object" and search["params"]["method"] == "execute_kw"
    assert args[:5] == ["db", 2, "password", "res.partner", "search"]
    assert args[6] == {"domain": [["is_company", "=", True]], "offset": 10, "limit": 5}
    assert all(r.url.path == "/jsonrpc" for r in recorder.requests)


def test_a_refused_jsonrpc_login_is_an_auth_error() -> None:
    recorder = Recorder(httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": False}))
    with pytest.raises(AuthError) as refused:
        run(client(recorder, transport="jsonrpc", database="db", username="admin", api_key="wrong-secret").__aenter__())
    assert "ODOO_USERNAME" in str(refused.value) and "wrong-secret" not in str(refused.value)


def test_a_write_whose_answer_is_lost_is_uncertain_and_not_retried() -> None:
    def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("connection lost", request=request)

    odoo = OdooClient(
        OdooSettings(url="https://x.example", api_key="k", version=19, retry=RetryPolicy(attempts=3, initial_wait=0.01)),
        transport=httpx.MockTransport(drop),
    )
    with pytest.raises(TransientError) as lost:
        run(odoo.call("stock.picking", "button_validate", [1]))
    assert lost.value.uncertain
