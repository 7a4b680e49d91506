"""The simulated Onshape company: one document with a Part Studio and assemblies, its versions,
the revisions releases made (each pointing at a version), assembly BOMs per version, release
packages, comments and webhooks. In memory, behind one lock; `reset` re-seeds."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

PART_STUDIO, ASSEMBLY = 0, 1  # BTRevisionInfo.elementType


class OnshapeError(Exception):
    """An answer Onshape gives instead of the resource (body: `{message, status, code, moreInfoUrl}`)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Part:
    """What carries a part number: a part of the Part Studio, or an assembly element."""

    number: str
    name: str
    element_id: str
    element_type: int
    part_id: str | None = None


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Company:
    company_id: str
    document_id: str = "d0c0000000000000000000a1"
    document_name: str = "Factory Demo Products"
    workspace_id: str = "a0f000000000000000000001"
    lock: threading.RLock = field(default_factory=threading.RLock)
    clock: datetime = field(default_factory=lambda: datetime(2026, 11, 1, 16, 0, tzinfo=UTC))
    parts: dict[str, Part] = field(default_factory=dict)
    versions: list[dict[str, Any]] = field(default_factory=list)
    revisions: list[dict[str, Any]] = field(default_factory=list)
    boms: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)  # (element, version) -> lines
    packages: dict[str, dict[str, Any]] = field(default_factory=dict)
    comments: list[dict[str, Any]] = field(default_factory=list)
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # --- ids and time -------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        """A 24-character hex-like id, as Onshape's ids are (INFERENCE: its generation)."""
        return f"{prefix}{next(self.counter):0{24 - len(prefix)}x}"

    def tick(self) -> datetime:
        self.clock += timedelta(minutes=1)
        return self.clock

    # --- versions, revisions, BOMs ------------------------------------------------------------

    def version(self, version_id: str) -> dict[str, Any]:
        found = next((v for v in self.versions if v["id"] == version_id), None)
        if found is None:
            raise OnshapeError(404, f"Version {version_id} not found")
        return found

    def create_version(self, name: str) -> dict[str, Any]:
        when = self.tick()
        version = {
            "id": self.new_id("f0"),
            "name": name,
            "documentId": self.document_id,
            "createdAt": iso(when),
            "microversion": self.new_id("e0"),
            "parent": self.versions[-1]["id"] if self.versions else None,
        }
        self.versions.append(version)
        return version

    def version_index(self, version_id: str) -> int:
        return self.versions.index(self.version(version_id))

    def revisions_of(self, number: str) -> list[dict[str, Any]]:
        return [r for r in self.revisions if r["partNumber"] == number]

    def revision_at(self, number: str, version_id: str) -> dict[str, Any] | None:
        """The part number's latest revision made at or before the version."""
        limit = self.version_index(version_id)
        made = [r for r in self.revisions_of(number) if self.version_index(r["versionId"]) <= limit]
        return made[-1] if made else None

    def bom_at(self, element_id: str, version_id: str) -> list[dict[str, Any]] | None:
        """The assembly's lines as of the version (its latest change at or before it)."""
        limit = self.version_index(version_id)
        for index in range(limit, -1, -1):
            lines = self.boms.get((element_id, self.versions[index]["id"]))
            if lines is not None:
                return lines
        return None

    def release(self, name: str, items: list[dict[str, Any]], *, released: bool, description: str = "") -> dict[str, Any]:
        """A release package over a new version: each item `{partNumber, revision, bom?}`; when
        `released`, its revisions are made (RELEASED), else it waits PENDING."""
        version = self.create_version(name)
        for item in items:
            part = self.parts.get(item["partNumber"])
            if part is None:
                raise OnshapeError(400, f"No part with part number {item['partNumber']}")
            if item.get("bom") is not None:
                if part.element_type != ASSEMBLY:
                    raise OnshapeError(400, f"{part.number} is not an assembly")
                self.boms[(part.element_id, version["id"])] = [dict(line) for line in item["bom"]]
        package_id = self.new_id("a0")
        package = {
            "id": package_id,
            "name": name,
            "description": description,
            "companyId": self.company_id,
            "documentId": self.document_id,
            "versionId": version["id"],
            "isObsoletion": False,
            "createdAt": version["createdAt"],
            "modifiedAt": version["createdAt"],
            "items": [self._package_item(package_id, version["id"], item) for item in items],
            "workflow": {"state": {"name": "PENDING", "displayName": "Pending"}, "isDiscarded": False, "isFrozen": False},
            "href": f"/api/releasepackages/{package_id}",
            "viewRef": f"https://cad.onshape.com/release/{package_id}",
        }
        self.packages[package_id] = package
        if released:
            self.make_released(package_id)
        return package

    def _package_item(self, package_id: str, version_id: str, item: dict[str, Any]) -> dict[str, Any]:
        part = self.parts[item["partNumber"]]
        return {
            "id": self.new_id("b0"),
            "rpid": package_id,
            "name": part.name,
            "documentId": self.document_id,
            "elementId": part.element_id,
            "elementType": part.element_type,
            "partId": part.part_id,
            "versionId": version_id,
            "properties": [
                {"name": "Part number", "propertyId": "57f3fb8efa3416c06701d60f", "value": part.number},
                {"name": "Revision", "propertyId": "57f3fb8efa3416c06701d610", "value": item["revision"]},
            ],
        }

    def make_released(self, package_id: str) -> list[dict[str, Any]]:
        """Move a PENDING package to RELEASED: one revision per item (the previous revision of
        its part number linked both ways). Returns the new revisions."""
        package = self.packages.get(package_id)
        if package is None:
            raise OnshapeError(404, f"Release package {package_id} not found")
        if package["workflow"]["state"]["name"] == "RELEASED":
            raise OnshapeError(400, f"Release package {package_id} is already released")
        when = iso(self.tick())
        made = []
        for item in package["items"]:
            number = next(p["value"] for p in item["properties"] if p["name"] == "Part number")
            letter = next(p["value"] for p in item["properties"] if p["name"] == "Revision")
            part = self.parts[number]
            previous = self.revisions_of(number)
            if any(r["revision"] == letter for r in previous):
                raise OnshapeError(400, f"Revision {letter} of {number} already exists")  # "Must be unique" (docs)
            revision = {
                "id": self.new_id("c0"),
                "partNumber": number,
                "revision": letter,
                "companyId": self.company_id,
                "documentId": self.document_id,
                "documentName": self.document_name,
                "versionId": item["versionId"],
                "versionName": package["name"],
                "elementId": part.element_id,
                "elementType": part.element_type,
                "partId": part.part_id,
                "partIdentity": part.part_id,
                "configuration": "",
                "name": part.name,
                "releaseId": package_id,
                "releaseName": package["name"],
                "isObsolete": False,
                "createdAt": when,
                "releaseCreatedDate": package["createdAt"],
                "previousRevisionId": previous[-1]["id"] if previous else None,
                "nextRevisionId": None,
                "viewRef": f"https://cad.onshape.com/documents/{self.document_id}/v/{item['versionId']}/e/{part.element_id}",
            }
            if previous:
                previous[-1]["nextRevisionId"] = revision["id"]
            self.revisions.append(revision)
            made.append(revision)
        package["workflow"]["state"] = {"name": "RELEASED", "displayName": "Released"}
        package["modifiedAt"] = when
        return made
