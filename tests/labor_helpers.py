"""What labor-sync and three-way-match tests do to the simulated world: add and edit ION
sessions and receipts, make NetSuite documents, read what landed."""

from __future__ import annotations

from typing import Any

from tests.world import World


def add_session(world: World, run_id: int, email: str, check_in: str, check_out: str | None, step: int = 1) -> int:
    body = {"runId": run_id, "stepPosition": step, "userEmail": email, "checkIn": check_in, "checkOut": check_out}
    return int(world.admin("ion", "POST", "sessions", body)["id"])


def edit_session(world: World, session_id: int, **changes: str) -> None:
    """`updateSession` with the session's current etag (ion.md §3.2), as a person would in ION."""
    etag = world.ion_graphql("query ($id: ID!) { session(id: $id) { _etag } }", {"id": session_id})["session"]["_etag"]
    world.ion_graphql(
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
