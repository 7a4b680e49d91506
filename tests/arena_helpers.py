"""Reading the simulated world back for the PLM tests: ION by GraphQL, Arena by its admin routes."""

from __future__ import annotations

from typing import Any


def ion(world: Any, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    return world.ion_graphql(query, variables)  # type: ignore[no-any-return]


def mboms(world: Any, number: str, revision: str) -> list[dict[str, Any]]:
    """The mBOM versions of ION part `number` rev `revision`: version, status, {part: (qty, refdes)}."""
    data = ion(
        world,
        """query ($n: [String]) { parts(filters: {partNumber: {in: $n}}) { edges { node {
        revision mboms { version status items { quantity part { partNumber } referenceDesignators { value } } } } } } }""",
        {"n": [number]},
    )
    part = next(e["node"] for e in data["parts"]["edges"] if e["node"]["revision"] == revision)
    return [
        {
            "version": m["version"],
            "status": m["status"],
            "lines": {
                i["part"]["partNumber"]: (i["quantity"], [r["value"] for r in i["referenceDesignators"]]) for i in m["items"]
            },
        }
        for m in part["mboms"]
    ]


def revisions(world: Any, number: str) -> list[str]:
    data = ion(
        world,
        "query ($n: [String]) { parts(filters: {partNumber: {in: $n}}, sort: [ID_ASC]) { edges { node { revision } } } }",
        {"n": [number]},
    )
    return [e["node"]["revision"] for e in data["parts"]["edges"]]


def run_issues(world: Any, run_id: int) -> list[str]:
    return [
        i["title"] for i in ion(world, "query ($id: ID!) { run(id: $id) { issues { title } } }", {"id": run_id})["run"]["issues"]
    ]


def arena(world: Any, path: str) -> list[dict[str, Any]]:
    return world.admin("arena", "GET", path)["results"]  # type: ignore[no-any-return]


def ion_files(world: Any, prefix: str = "ion-") -> list[dict[str, Any]]:
    """The files ion-sync uploaded to Arena (named `ion-…`; the demo's routing links have no name)."""
    return [a for a in arena(world, "files") if (a["file"]["name"] or "").startswith(prefix)]


def as_built_files(world: Any) -> dict[str, int]:
    """How many times each as-built file name landed in Arena."""
    counts: dict[str, int] = {}
    for association in ion_files(world, "ion-asbuilt-"):
        name = association["file"]["name"]
        counts[name] = counts.get(name, 0) + 1
    return counts
