"""What labor-sync and three-way-match tests do to the simulated world: add and edit ION
sessions and receipts, make NetSuite documents, read what landed."""

from __future__ import annotations

from typing import Any

import httpx

from tests.world import World


def ion_graphql(world: World, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """One GraphQL call to the ION simulator as the sandbox API key (errors fail the test)."""
    token = httpx.post(
        world.env["ION_AUTH_URL"],
        data={
            "grant_type": "client_credentials",
            "client_id": world.env["ION_CLIENT_ID"],
            "client_secret": world.env["ION_CLIENT_SECRET"],
        },
        timeout=30,
    ).json()["access_token"]
    response = httpx.post(
        f"{world.env['ION_API_URL']}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    payload = response.json()
    assert not payload.get("errors"), payload["errors"]
    return payload["data"]


def add_session(world: World, run_id: int, email: str, check_in: str, check_out: str | None, step: int = 1) -> int:
    body = {"runId": run_id, "stepPosition": step, "userEmail": email, "checkIn": check_in, "checkOut": check_out}
    return int(world.admin("ion", "POST", "sessions", body)["id"])


def edit_session(world: World, session_id: int, **changes: str) -> None:
    """`updateSession` with the session's current etag (ion.md §3.2), as a person would in ION."""
    etag = ion_graphql(world, "query ($id: ID!) { session(id: $id) { _etag } }", {"id": session_id})["session"]["_etag"]
    ion_graphql(
        world,
        "mutation ($input: UpdateSessionInput!) { updateSession(input: $input) { session { id } } }",
        {"input": {"id": session_id, "etag": etag, **changes}},
    )


def time_bills(world: World) -> list[dict[str, Any]]:
    return world.admin("netsuite", "GET", "records/timeBill")["items"]


def time_bills_by_external_id(world: World) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in time_bills(world):
        grouped.setdefault(record.get("externalId") or "", []).append(record)
    return grouped
