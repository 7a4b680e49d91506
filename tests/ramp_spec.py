"""Ramp's OpenAPI schemas as JSON Schema validators, for checking every request the client
sends and every answer the simulator gives (tests/data/ramp-openapi-subset.json: the paths
ion-sync uses and the schemas they reference, copied unchanged from ramp-openapi.json).

OpenAPI 3.0 says `nullable: true` where JSON Schema says `type: [..., "null"]`; that is one
translation made. The other makes the check strict: an object schema that lists its
`properties` and says nothing of others gets `additionalProperties: false`, so a field the spec
does not name (in a request we send or an answer the simulator gives) is a problem. Error bodies have no schema in the spec; they are checked against the
documented `error_v2` envelope (ramp.md B2)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from jsonschema import Draft202012Validator

SPEC_PATH = Path(__file__).parent / "data" / "ramp-openapi-subset.json"
ERROR_V2 = {  # error-handling.mdx (ramp.md B2): `error_v2` and the legacy `error`
    "type": "object",
    "required": ["error_v2"],
    "properties": {
        "error_v2": {
            "type": "object",
            "required": ["error_code", "additional_info", "notes", "message"],
            "properties": {
                "error_code": {"type": "string"},
                "message": {"type": "string"},
                "notes": {"type": "string"},
                "additional_info": {"type": "object", "additionalProperties": True},
            },
        },
        "error": {"type": "object", "additionalProperties": True},
    },
}
# authorization.mdx OAuth errors (ramp.md B1), in RFC 6749 §5.2's shape
OAUTH_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}


def _nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    converted = {k: _nullable(v) for k, v in node.items() if k not in ("nullable", "example")}
    if isinstance(node.get("properties"), dict) and node.get("type", "object") == "object" and "additionalProperties" not in node:
        converted["additionalProperties"] = False
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@dataclass
class RampSpec:
    spec: dict[str, Any] = field(default_factory=lambda: json.loads(SPEC_PATH.read_text()))
    checked: list[str] = field(default_factory=list)
    covered: set[str] = field(default_factory=set)  # "METHOD /path/{template}" of every operation seen

    def __post_init__(self) -> None:
        self.components = _nullable(self.spec["components"])
        self.routes = [
            (method.upper(), re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), op | {"x-path": path})
            for path, ops in self.spec["paths"].items()
            for method, op in ops.items()
            if isinstance(op, dict) and "responses" in op
        ]

    @property
    def operations(self) -> set[str]:
        return {f"{verb} {op['x-path']}" for verb, _, op in self.routes}

    def _validator(self, schema: dict[str, Any]) -> Draft202012Validator:
        return Draft202012Validator({**_nullable(schema), "components": self.components})

    def schema_problems(self, name: str, body: Any) -> list[str]:
        """How `body` departs from the spec's schema `name` (strict: no unnamed fields)."""
        validator = self._validator({"$ref": f"#/components/schemas/{name}"})
        return [f"{name}: {e.message} at {list(e.path)}" for e in validator.iter_errors(body)]

    def operation(self, method: str, path: str) -> dict[str, Any]:
        for verb, pattern, op in self.routes:
            if verb == method and pattern.match(path):
                self.covered.add(f"{verb} {op['x-path']}")
                return op
        raise AssertionError(f"{method} {path} is not in Ramp's spec")

    def problems(self, request: httpx.Request, response: httpx.Response | None) -> list[str]:
        """Every way this request (and its response) departs from the spec."""
        path = urlsplit(str(request.url)).path
        op = self.operation(request.method, path)
        found: list[str] = []
        known = {p["name"] for p in op.get("parameters", []) if "name" in p}
        query = dict(parse_qsl(urlsplit(str(request.url)).query))
        found += [f"{request.method} {path}: unknown query parameter {q}" for q in sorted(set(query) - known)]
        if request.content:
            body_schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            assert body_schema, f"{request.method} {path} takes no body"
            if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                body: Any = dict(parse_qsl(request.content.decode()))  # the token endpoint: form fields of TokenRequestBody
            else:
                body = json.loads(request.content)
            found += [
                f"request {request.method} {path}: {e.message} at {list(e.path)}"
                for e in self._validator(body_schema).iter_errors(body)
            ]
        if response is not None:
            found += self._response_problems(request.method, path, op, response)
        self.checked.append(f"{request.method} {path} {response.status_code if response is not None else ''}")
        return found

    def _response_problems(self, method: str, path: str, op: dict[str, Any], response: httpx.Response) -> list[str]:
        status = str(response.status_code)
        if response.status_code >= 400:
            schema: dict[str, Any] | None = OAUTH_ERROR if path.endswith("/token") else ERROR_V2
        else:
            documented = op["responses"].get(status)
            if documented is None:
                return [f"response {method} {path}: status {status} is not documented ({', '.join(op['responses'])})"]
            schema = documented.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return [] if not response.content else [f"response {method} {path} {status}: a body where the spec has none"]
        if not response.content:  # 204: HTTP allows no body; the spec's EmptyObject is the empty answer
            return [] if response.status_code == 204 else [f"response {method} {path} {status}: no body"]
        return [
            f"response {method} {path} {status}: {e.message} at {list(e.path)}"
            for e in self._validator(schema).iter_errors(response.json())
        ]


class CheckedTransport(httpx.AsyncBaseTransport):
    """Sends through `inner` and checks each exchange against the spec (the problems pile up in `problems`)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, spec: RampSpec) -> None:
        self.inner = inner
        self.spec = spec
        self.problems: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        await response.aread()
        self.problems += self.spec.problems(request, response)
        return response
