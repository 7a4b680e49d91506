"""Duro's side of the PLM port, pure: which components are released, their children as eBOM
lines, which change orders made revisions effective (sources: connectors/duro/README.md).

- A component is released when its lifecycle status is one of DURO_RELEASED_STATUSES and its
  state is RELEASED (a MODIFIED component carries edits no change order approved yet, so what
  the API shows is not the released revision; it is skipped with that reason: INFERENCE).
- Documents (category type DOCUMENT) are not parts.
- The ION part number is the component's CPN, or its external id (DURO_PART_NUMBER_FIELD=eid).
- A change order made its affected components' revisions effective when it is resolved (or
  closed) as approved; its effectivity is `resolvedAt`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.duro import DuroSettings
from connectors.errors import DataError
from connectors.validation import number_at
from core.config import PlmName
from core.times import parse_time
from plm.port.boms import BomLine
from plm.port.items import ReleasedItem

PLM = "Duro"
KEY: PlmName = "duro"
APPROVED = "APPROVED"
EFFECTIVE_STATUSES = frozenset({"RESOLVED", "CLOSED"})  # INFERENCE: a workflow's resolved and closed stages


@dataclass(frozen=True)
class Numbering:
    """Where the ION part number lives on a Duro component (its CPN or its external id)."""

    field: str = "cpn"

    @classmethod
    def of(cls, settings: DuroSettings) -> Numbering:
        return cls(settings.part_number_field)

    def number(self, component: dict[str, Any]) -> str | None:
        value = component.get(self.field)
        return str(value) if value else None

    def filter(self, numbers: list[str]) -> list[dict[str, Any]]:
        """`ComponentFilterInput`s that find these part numbers: one `cpns` list, or one `eid` each."""
        if self.field == "cpn":
            return [{"cpns": numbers}]
        return [{"eid": number} for number in numbers]


def status_name(component: dict[str, Any]) -> str:
    return str((component.get("status") or {}).get("name") or "")


def as_item(component: dict[str, Any], number: str) -> ReleasedItem:
    return ReleasedItem(
        key=str(component["id"]),
        number=number,
        name=str(component.get("name") or ""),
        revision=str(component.get("revisionValue") or ""),
        phase=status_name(component),
        assembly=(component.get("category") or {}).get("type") == "ASSEMBLY",
        plm=KEY,
        plm_number=str(component.get("cpn")) if component.get("cpn") and component.get("cpn") != number else None,
    )


def why_not_released(component: dict[str, Any], numbering: Numbering, statuses: list[str]) -> str | None:
    """Why this component is not handed to ION, or None when it is a released part."""
    label = f"{numbering.number(component) or component.get('cpn')} rev {component.get('revisionValue')}"
    if (component.get("category") or {}).get("type") == "DOCUMENT":
        return f"{label}: a document, not a part"
    if numbering.number(component) is None:
        return f"Duro component {component.get('cpn')}: no {numbering.field}, so no ION part number"
    if status_name(component) not in statuses:
        return f"{label}: lifecycle status {status_name(component)!r} is not released ({', '.join(statuses)})"
    if component.get("state") != "RELEASED":
        return f"{label}: has modifications no change order approved yet (state {component.get('state')})"
    return None


def refdes(text: str | None) -> tuple[str, ...]:
    """Duro's `refDes` as single designators: a comma-separated list (its range syntax, if any,
    is undocumented: INFERENCE, kept as written)."""
    return tuple(t.strip() for t in (text or "").split(",") if t.strip())


def bom_lines(children: list[dict[str, Any]], numbering: Numbering) -> list[BomLine]:
    """A component's children as eBOM lines; a child without a part number or a quantity no
    number can hold is a DataError naming the line."""
    lines = []
    for index, child in enumerate(children):
        component = child.get("component") or {}
        number = numbering.number(component)
        if number is None:
            raise DataError(f"children[{index}]: Duro component {component.get('cpn')} has no {numbering.field}")
        quantity = number_at(child.get("quantity") or 0, f"children[{index}].quantity")
        lines.append(BomLine(number, quantity, component.get("revisionValue"), refdes(child.get("refDes"))))
    return lines


def effective_at(change_order: dict[str, Any]) -> datetime | None:
    return parse_time(change_order.get("resolvedAt"))


def made_effective(change_order: dict[str, Any], since: datetime | None) -> bool:
    """Approved and resolved at or after `since` (inclusive: the ledger keeps it from applying twice)."""
    if change_order.get("status") not in EFFECTIVE_STATUSES or change_order.get("resolution") != APPROVED:
        return False
    at = effective_at(change_order)
    if since is None:
        return True
    since = since if since.tzinfo else since.replace(tzinfo=UTC)  # a watermark read back naive is UTC
    return at is not None and at >= since
