"""An assembly's BOM as Onshape answers it (BTBillOfMaterialsInfo, "the Onshape BOM Standard
format"): `headers` (id, name, propertyName, valueType, visible) and `rows` (headerIdToValue by
header id, indentLevel, itemSource). indented=true (default): the structured BOM, sub-assembly
rows collapsed unless multiLevel=true expands them; indented=false: the flattened parts list.
Header ids are metadata property ids (spec: "BOM column ids correspond to metadata property
ids"); the values of these ids and of `state` are INFERENCE."""

from __future__ import annotations

from typing import Any

from sandbox.onshape.store import ASSEMBLY, Company

HEADERS = [  # (id, name, propertyName, valueType)
    ("5ace84d3c046ad611c65a0dd", "Item", "item", "STRING"),
    ("5ace8269c046ad612c65a0ba", "Quantity", "quantity", "QUANTITY"),
    ("57f3fb8efa3416c06701d60f", "Part number", "partNumber", "STRING"),
    ("57f3fb8efa3416c06701d60d", "Name", "name", "STRING"),
    ("57f3fb8efa3416c06701d60e", "Description", "description", "STRING"),
    ("57f3fb8efa3416c06701d610", "Revision", "revision", "STRING"),
    ("57f3fb8efa3416c06701d611", "State", "state", "ENUM"),
]


def _row(company: Company, version_id: str, line: dict[str, Any], item: str, level: int, quantity: float) -> dict[str, Any]:
    part = company.parts[line["partNumber"]]
    revision = company.revision_at(part.number, version_id)
    values = [
        item,
        quantity,
        part.number,
        part.name,
        part.name,
        revision["revision"] if revision else "",
        "RELEASED" if revision else "IN_PROGRESS",
    ]
    return {
        "rowId": company.new_id("77"),
        "name": part.name,
        "indentLevel": level,
        "headerIdToValue": {h[0]: v for h, v in zip(HEADERS, values, strict=True)},
        "itemSource": {
            "documentId": company.document_id,
            "elementId": part.element_id,
            "partId": part.part_id or "",
            "wvmType": "v",
            "wvmId": revision["versionId"] if revision else version_id,
            "configuration": "default",
            "isStandardContent": False,
        },
        "relatedOccurrences": [],
    }


def render(company: Company, element_id: str, version_id: str, *, indented: bool, multi_level: bool) -> dict[str, Any]:
    lines = company.bom_at(element_id, version_id) or []
    rows: list[dict[str, Any]] = []

    def structured(children: list[dict[str, Any]], prefix: str, level: int) -> None:
        for n, line in enumerate(children, 1):
            item = f"{prefix}{n}"
            rows.append(_row(company, version_id, line, item, level, line["quantity"]))
            part = company.parts[line["partNumber"]]
            if multi_level and part.element_type == ASSEMBLY:
                structured(company.bom_at(part.element_id, version_id) or [], f"{item}.", level + 1)

    def flattened() -> None:
        totals: dict[str, float] = {}

        def walk(children: list[dict[str, Any]], factor: float) -> None:
            for line in children:
                part = company.parts[line["partNumber"]]
                if part.element_type == ASSEMBLY:
                    walk(company.bom_at(part.element_id, version_id) or [], factor * line["quantity"])
                else:
                    totals[part.number] = totals.get(part.number, 0) + factor * line["quantity"]

        walk(lines, 1)
        for n, (number, quantity) in enumerate(totals.items(), 1):
            rows.append(_row(company, version_id, {"partNumber": number}, str(n), 0, quantity))

    if indented:
        structured(lines, "", 0)
    else:
        flattened()
    return {
        "id": company.new_id("66"),
        "name": "Bill of Materials",
        "type": "Bill of Materials",
        "formatVersion": "1.0",
        "createdAt": company.version(version_id)["createdAt"],
        "headers": [{"id": i, "name": n, "propertyName": p, "valueType": t, "visible": True} for i, n, p, t in HEADERS],
        "rows": rows,
        "bomSource": {"document": {"id": company.document_id}, "version": {"id": version_id}, "element": {"id": element_id}},
    }
