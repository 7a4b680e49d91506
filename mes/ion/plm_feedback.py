"""ION's side of ION → PLM: completed runs and dispositioned issues as the PLM port's records
(seed 002, "Canonical data flows: ION → PLM"), whichever PLM receives them. No I/O.

Nodes come from connectors/ion/queries/plm_as_built.graphql (completed runs with their unit,
aBOM and procedure), plm_inspections.graphql (their steps' recorded fields) and plm_ncrs.graphql.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from plm.port.as_built import AsBuilt
from plm.port.inspections import InspectionResult, Measurement
from plm.port.nonconformances import Nonconformance
from plm.port.traceability import ProcedureUsed, TraceabilityRecord
from plm.port.writes import Component, Unit

NOT_MEASUREMENTS = frozenset({"FILE_ATTACHMENT"})  # run-step field types that carry no value to report (ion.md §3.2)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def unit_of(node: dict[str, Any]) -> Unit:
    """The unit a run produced (its part inventory), or an issue's unit."""
    unit = node.get("partInventory") or {}
    part = unit.get("part") or {}
    return Unit(
        part_number=part.get("partNumber") or "",
        revision=part.get("revision"),
        quantity=float(unit.get("quantity") or 1),
        serial=unit.get("serialNumber"),
        lot=unit.get("lotNumber"),
        unit_id=str(unit["id"]) if unit.get("id") is not None else None,
    )


def components(node: dict[str, Any]) -> list[Component]:
    """What was installed into the run's unit, per unit and in total, with lots, serials, where
    from, and substitutions (an installed part other than the one the build requirement asked for)."""
    unit = node.get("partInventory") or {}
    produced = float(unit.get("quantity") or 0)
    out = []
    for requirement in unit.get("buildRequirements") or []:
        wanted = (requirement.get("part") or {}).get("partNumber")
        for installation in requirement.get("abomInstallations") or []:
            child = installation.get("partInventory") or {}
            part = child.get("part") or {}
            per_unit = installation.get("quantityInstalledPerParentPartInventory")
            total = installation.get("quantity")
            out.append(
                Component(
                    part_number=part.get("partNumber") or "",
                    revision=part.get("revision"),
                    quantity=float(total) if total is not None else float(per_unit or 0) * produced,
                    quantity_per_unit=per_unit,
                    serial=child.get("serialNumber"),
                    lot=child.get("lotNumber"),
                    location=(child.get("location") or {}).get("name"),
                    substitute_for=wanted if wanted and wanted != part.get("partNumber") else None,
                )
            )
    return out


def as_built(node: dict[str, Any]) -> AsBuilt:
    return AsBuilt(unit_of(node), str(node["id"]), components(node), node.get("title"), _time(node.get("endTime")))


def procedure_used(node: dict[str, Any]) -> list[ProcedureUsed]:
    procedure = node.get("procedure")
    if not procedure:
        return []
    version = procedure.get("version")
    return [
        ProcedureUsed(procedure.get("title") or f"procedure {procedure.get('id')}", str(version) if version is not None else None)
    ]


def traceability(node: dict[str, Any]) -> TraceabilityRecord:
    return TraceabilityRecord(unit_of(node), str(node["id"]), procedure_used(node), components(node), _time(node.get("endTime")))


def inspection(node: dict[str, Any]) -> InspectionResult | None:
    """What the run's steps recorded about its unit, or None if they recorded nothing. A value
    on a FAILED step did not pass; on a COMPLETE step it did; ION's field limits (validations)
    are not read (INFERENCE: their shape is not published)."""
    measurements = []
    for step in sorted(node.get("steps") or [], key=lambda s: s.get("position") or 0):
        status = step.get("status")
        for found in step.get("fields") or []:
            if found.get("type") in NOT_MEASUREMENTS or found.get("value") in (None, ""):
                continue
            measurements.append(
                Measurement(
                    step=step.get("title") or f"step {step.get('position')}",
                    name=found.get("name") or "",
                    value=found.get("value"),
                    unit=found.get("unit"),
                    passed=False if status == "FAILED" else True if status == "COMPLETE" else None,
                )
            )
    if not measurements:
        return None
    used = procedure_used(node)
    procedure = f"{used[0].title} v{used[0].version}" if used else "(no procedure)"
    return InspectionResult(unit_of(node), str(node["id"]), procedure, measurements, _time(node.get("endTime")))


def slate_text(value: str | None) -> str:
    """Plain text of a Slate JSON value (ion.md §3.13), or the value itself."""
    try:
        nodes = json.loads(value or "")
    except ValueError:
        return value or ""

    def walk(node: Any) -> str:
        if isinstance(node, dict):
            return str(node.get("text", "")) + "".join(walk(c) for c in node.get("children", []))
        if isinstance(node, list):
            return " ".join(walk(n) for n in node)
        return ""

    return walk(nodes).strip()


def nonconformance(node: dict[str, Any]) -> Nonconformance | None:
    """An ION issue with a disposition as an NCR (None without one: production has not decided yet)."""
    if not node.get("disposition"):
        return None
    run = node.get("run") or {}
    unit = (
        unit_of(node)
        if node.get("partInventory")
        else Unit((run.get("part") or {}).get("partNumber") or "", (run.get("part") or {}).get("revision"))
    )
    return Nonconformance(
        issue_id=str(node["id"]),
        title=node.get("title") or "",
        disposition=node["disposition"],
        unit=unit,
        status=node.get("status"),
        run_id=str(run["id"]) if run.get("id") is not None else None,
        run_title=run.get("title"),
        found=slate_text(node.get("causeCondition")),
        expected=node.get("expectedCondition") or "",
    )
