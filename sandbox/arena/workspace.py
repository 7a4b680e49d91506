"""The rules of an Arena workspace over `ArenaStore` documents (arena.md §1.2-§1.9).

- Sessions (§1.2): a login issues an `arena_session_id`; a second login of the same user
  cancels the first; a session expires `session_idle_minutes` after its last request.
- Quota (§1.3): every request but login counts, successful or not; at zero → 429.
- Items and revisions (§1.5, §1.6): `GET /items/{guid}` answers the effective revision, a
  revision GUID answers that revision; the working revision has no number.
- Changes (§1.8): an affected item names the revision it supersedes and the working revision
  that becomes effective with `newRevisionNumber`; making a change EFFECTIVE promotes them
  and queues one CHANGE event per outbound integration (§1.9).
"""

from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta
from typing import Any, NoReturn

from sandbox.arena.config import ArenaSimConfig
from sandbox.arena.store import ArenaError, ArenaStore, Doc, iso, new_guid

ITEM_FILTERS = {
    "number",
    "name",
    "description",
    "revisionNumber",
    "category.guid",
    "lifecyclePhase.guid",
    "assemblyType",
    "effectiveDateTimeFrom",
    "effectiveDateTimeTo",
}
CHANGE_FILTERS = {
    "number",
    "title",
    "category.guid",
    "lifecycleStatus.type",
    "implementationStatus",
    "effectiveDateTimeFrom",
    "effectiveDateTimeTo",
}
PAGING = {"offset", "limit", "responseview", "includeEmptyAdditionalAttributes"}
REVISION_STATUS = {0: "WORKING", 1: "EFFECTIVE", 2: "SUPERSEDED"}


def matches(value: Any, wanted: str) -> bool:
    """Exact match; `*` is the only wildcard (§1.5: a trailing `*` for a prefix match). Case-insensitive: INFERENCE."""
    text = "" if value is None else str(value)
    pattern = ".*".join(re.escape(part) for part in wanted.lower().split("*"))
    return re.fullmatch(pattern, text.lower(), re.DOTALL) is not None


class Workspace:
    def __init__(self, store: ArenaStore, config: ArenaSimConfig, base_url: str = "https://api.arenasolutions.com/v1") -> None:
        self.store = store
        self.config = config
        self.base_url = base_url
        self.counters = {"logins": 0, "sessions_cancelled": 0, "counted_requests": 0}

    # --- sessions and quota (§1.2, §1.3) --------------------------------------------------------

    def login(self, body: dict[str, Any]) -> dict[str, Any]:
        workspace = body.get("workspaceId")
        if (
            body.get("email") != self.config.email
            or body.get("password") != self.config.password
            or (workspace is not None and str(workspace) != str(self.config.workspace_id))
        ):
            raise ArenaError(
                400,
                4001,
                "The username, password or workspace ID is not valid or you are not allowed to log in due to IP restriction.",
            )
        with self.store.transaction():
            if self.store.state("session"):
                self.counters["sessions_cancelled"] += 1
            token = f"SIM-{new_guid()}{new_guid()}|"
            self.store.set_state("session", {"id": token, "last": iso(self.store.now())})
        self.counters["logins"] += 1
        return {
            "arena_session_id": token,
            "workspaceId": self.config.workspace_id,
            "workspaceName": self.config.workspace_name,
            "workspaceRequestLimit": self.config.request_limit,
        }

    def logout(self, token: str | None) -> None:
        with self.store.transaction():
            session = self.store.state("session")
            if not session or session["id"] != token:
                raise ArenaError(
                    401, 401, "There is no access token associated with this request or the access token is not valid."
                )
            self.store.set_state("session", None)

    def authenticate(self, token: str | None) -> None:
        """A live session, touched (idle expiry counts from the last request)."""
        with self.store.transaction():
            session = self.store.state("session")
            now = self.store.now()
            idle = timedelta(minutes=self.config.session_idle_minutes)
            if not session or session["id"] != token or now - _parse(session["last"]) > idle:
                raise ArenaError(
                    401, 401, "There is no access token associated with this request or the access token is not valid."
                )
            self.store.set_state("session", {"id": token, "last": iso(now)})

    def take_quota(self) -> int:
        """Count one request; returns what remains, or raises 429 when none did."""
        with self.store.transaction():
            remaining = int(self.store.state("quota_remaining", self.config.request_limit))
            if remaining <= 0:
                raise ArenaError(429, 429, "The maximum API requests limit has been reached for the 24-hour period.")
            self.store.set_state("quota_remaining", remaining - 1)
        self.counters["counted_requests"] += 1
        return remaining - 1

    def quota_remaining(self) -> int:
        return int(self.store.state("quota_remaining", self.config.request_limit))

    def quota_reset_at(self) -> str:
        """Midnight Pacific (§1.3), written the way the sample header is."""
        now = self.store.now() - timedelta(hours=8)
        reset = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return reset.strftime("%a, %d-%b-%Y %H:%M:%S GMT-0800 (PST)")

    # --- reference objects --------------------------------------------------------------------

    def url(self, kind: str, guid: str) -> dict[str, str]:
        return {"api": f"{self.base_url}/{kind}/{guid}", "app": f"https://app.bom.com/{guid}"}

    def phase(self, guid: str | None) -> dict[str, Any] | None:
        found = self.store.get("phase", guid) if guid else None
        return {"guid": found["guid"], "name": found["name"]} if found else None

    def phase_full(self, guid: str | None) -> dict[str, Any] | None:
        found = self.store.get("phase", guid) if guid else None
        return {k: found[k] for k in ("guid", "name", "shortName", "stage", "active", "used")} if found else None

    # --- items and revisions ------------------------------------------------------------------

    def item_master(self, guid: str) -> Doc:
        found = self.store.get("item", guid)
        if found is None:
            self.unknown(guid)
        return found

    def revisions_of(self, item_guid: str) -> list[Doc]:
        return self.store.all("revision", item_guid)

    def effective(self, item_guid: str) -> Doc | None:
        return next((r for r in self.revisions_of(item_guid) if r["status"] == 1), None)

    def working(self, item_guid: str) -> Doc:
        found = next((r for r in self.revisions_of(item_guid) if r["status"] == 0), None)
        assert found is not None, "every item has a working revision"
        return found

    def resolve(self, guid: str) -> tuple[Doc, Doc]:
        """(item, revision) for an item GUID (its effective, else working, revision) or a revision GUID."""
        kind = self.store.kind_of(guid)
        if kind == "revision":
            revision = self.store.get("revision", guid)
            assert revision is not None
            return self.item_master(revision["itemGuid"]), revision
        if kind != "item":
            self.unknown(guid)
        item = self.item_master(guid)
        return item, self.effective(guid) or self.working(guid)

    def unknown(self, guid: str) -> NoReturn:
        """400 code 3011 for a GUID naming nothing: the docs' samples answer a well-formed 20-character GUID
        that names nothing so (e.g. endpoint_get_integrations.md, endpoint_put_events.md)."""
        raise ArenaError(400, 3011, f'The guid "{guid}" is not valid.')

    def item_ref(self, item: Doc, revision: Doc, guid: str | None = None) -> dict[str, Any]:
        """An item as BOM lines and request items name it [AR endpoint_get_bom.md, endpoint_request_add_item.md];
        `guid`: a revision's GUID instead of the item's (change items)."""
        return {
            "guid": guid or item["guid"],
            "name": item["name"],
            "number": item["number"],
            "revisionNumber": revision["number"],
            "revisionStatus": REVISION_STATUS[revision["status"]],
            "url": self.url("items", guid or item["guid"]),
        }

    def _has_parents(self, item_guid: str) -> bool:
        for revision in self.store.all("revision"):
            if revision["status"] == 1 and any(line["itemGuid"] == item_guid for line in revision["bom"]):
                return True
        return False

    def item_view(self, item: Doc, revision: Doc, full: bool = True) -> dict[str, Any]:
        is_assembly = bool(revision["bom"])
        in_assembly = self._has_parents(item["guid"])
        assembly_type = "NOT_AN_ASSEMBLY" if not is_assembly else "ASSEMBLY" if in_assembly else "TOP_LEVEL_ASSEMBLY"
        guid = item["guid"] if revision["status"] == 1 else revision["guid"]
        view: dict[str, Any] = {
            "assemblyType": assembly_type,
            "category": {"guid": item["categoryGuid"], "name": item["categoryName"]} if full else {"guid": item["categoryGuid"]},
            "creationDateTime": item["creationDateTime"],
            "guid": guid,
            "inAssembly": in_assembly,
            "lifecyclePhase": self.phase(revision["lifecyclePhaseGuid"]),
            "name": item["name"],
            "number": item["number"],
            "revisionNumber": revision["number"],
            "url": self.url("items", guid),
        }
        if full:
            view.update(
                {
                    "additionalAttributes": [],
                    "description": item.get("description"),
                    "deviated": False,
                    "effectiveDateTime": revision.get("effectiveDateTime"),
                    "isAssembly": is_assembly,
                    "modifiedBom": revision["status"] == 0 and revision.get("modifiedBom", False),
                    "modifiedFiles": False,
                    "modifiedSourcing": False,
                    "modifiedSpecs": False,
                    "owner": {"fullName": "Erin Engineer"},
                    "procurementType": item.get("procurementType", "MTS"),
                    "revisionStatus": REVISION_STATUS[revision["status"]],
                    "status": revision["status"],
                    "supersededDateTime": revision.get("supersededDateTime"),
                    "uom": item.get("uom", "each"),
                    "shared": False,
                }
            )
        return view

    def list_items(self, params: dict[str, str]) -> list[dict[str, Any]]:
        self.check_filters(params, ITEM_FILTERS)
        out = []
        for item in self.store.all("item"):
            revision = self.effective(item["guid"]) or self.working(item["guid"])
            view = self.item_view(item, revision)
            if self._itemmatches(view, item, revision, params):
                out.append(self.item_view(item, revision, full=params.get("responseview") == "full"))
        return out

    def _itemmatches(self, view: dict[str, Any], item: Doc, revision: Doc, params: dict[str, str]) -> bool:
        for name, wanted in params.items():
            if name in PAGING:
                continue
            if name == "category.guid" and item["categoryGuid"] != wanted:
                return False
            if name == "lifecyclePhase.guid" and revision["lifecyclePhaseGuid"] != wanted:
                return False
            if name in {"number", "name", "description", "revisionNumber", "assemblyType"} and not matches(
                view.get(name), wanted
            ):
                return False
            effective = revision.get("effectiveDateTime") or ""
            if name == "effectiveDateTimeFrom" and not (effective and effective >= wanted):
                return False
            if name == "effectiveDateTimeTo" and not (effective and effective <= wanted):
                return False
        return True

    def check_filters(self, params: dict[str, str], allowed: set[str]) -> None:
        for name in params:
            if name not in allowed and name not in PAGING:
                raise ArenaError(400, 3019, f'The attribute "{name}" is not searchable.')

    def revisions_view(self, item_guid: str) -> list[dict[str, Any]]:
        self.item_master(item_guid)
        out = []
        for revision in sorted(self.revisions_of(item_guid), key=lambda r: r["status"]):
            change = self.store.get("change", revision["changeGuid"]) if revision.get("changeGuid") else None
            out.append(
                {
                    "change": {
                        "creationDateTime": change["creationDateTime"] if change else revision["creationDateTime"],
                        "deviated": False,
                        "effectiveDateTime": revision.get("effectiveDateTime"),
                        "guid": change["guid"] if change else None,
                        "number": change["number"] if change else None,
                    },
                    "guid": revision["guid"],
                    "lifecyclePhase": self.phase(revision["lifecyclePhaseGuid"]),
                    "notes": None,
                    "number": revision["number"],
                    "status": revision["status"],
                    "supersededDateTime": revision.get("supersededDateTime"),
                    "url": self.url("items", revision["guid"]),
                }
            )
        return out

    def bom_view(self, guid: str) -> list[dict[str, Any]]:
        _item, revision = self.resolve(guid)
        out = []
        for line in revision["bom"]:
            child = self.item_master(line["itemGuid"])
            child_revision = self.effective(child["guid"]) or self.working(child["guid"])
            out.append(
                {
                    "guid": line["guid"],
                    "item": self.item_ref(child, child_revision),
                    "lineNumber": line["lineNumber"],
                    "notes": line.get("notes"),
                    "quantity": line["quantity"],
                    "refDes": line.get("refDes") or "",
                }
            )
        return out

    # --- changes (§1.8) -------------------------------------------------------------------------

    def change(self, guid: str) -> Doc:
        found = self.store.get("change", guid)
        if found is None:
            self.unknown(guid)
        return found

    def change_view(self, change: Doc, full: bool = False) -> dict[str, Any]:
        keys = [
            "category",
            "creationDateTime",
            "creator",
            "effectiveDateTime",
            "guid",
            "implementationStatus",
            "lifecycleDateTime",
            "lifecycleStatus",
            "number",
            "submissionDateTime",
            "title",
        ]
        view = {k: change.get(k) for k in keys}
        view["url"] = self.url("changes", change["guid"])
        if full:
            view.update({k: change.get(k) for k in ("description", "effectivityType", "expirationDateTime")})
        return view

    def list_changes(self, params: dict[str, str]) -> list[dict[str, Any]]:
        self.check_filters(params, CHANGE_FILTERS)
        out = []
        for change in self.store.all("change"):
            ok = True
            for name, wanted in params.items():
                if name in ("number", "title", "implementationStatus") and not matches(change.get(name), wanted):
                    ok = False
                if name == "lifecycleStatus.type" and change["lifecycleStatus"]["type"] != wanted:
                    ok = False
                if name == "category.guid" and change["category"]["guid"] != wanted:
                    ok = False
                effective = change.get("effectiveDateTime") or ""
                if name == "effectiveDateTimeFrom" and not (effective and effective >= wanted):
                    ok = False
                if name == "effectiveDateTimeTo" and not (effective and effective <= wanted):
                    ok = False
            if ok:
                out.append(self.change_view(change))
        return out

    def _change_revision(self, guid: str | None) -> dict[str, Any] | None:
        """An item revision as a change item names it [AR Endpoints/Change Item/endpoint_get_change_items.md]:
        no lifecycle phase here (the entry's `newLifecyclePhase` carries it)."""
        revision = self.store.get("revision", guid) if guid else None
        if revision is None:
            return None
        item = self.item_master(revision["itemGuid"])
        return {"effectiveDateTime": revision.get("effectiveDateTime"), **self.item_ref(item, revision, revision["guid"])}

    def _event_revision(self, guid: str | None, effective: bool) -> dict[str, Any] | None:
        """An item revision as an event item names it [AR endpoint_get_event_items.md]: the superseded one
        without name and modified flags."""
        revision = self.store.get("revision", guid) if guid else None
        if revision is None:
            return None
        item = self.item_master(revision["itemGuid"])
        phase = self.phase_full(revision["lifecyclePhaseGuid"]) or {}
        view: dict[str, Any] = {
            "guid": revision["guid"],
            "number": item["number"],
            "revisionNumber": revision["number"],
            "lifecyclePhase": {k: phase.get(k) for k in ("name", "stage", "guid")},
        }
        if effective:
            view.update(
                name=item["name"],
                modifiedSpecs=False,
                modifiedBom=bool(revision.get("modifiedBom")),
                modifiedSourcing=False,
                modifiedFiles=False,
            )
        return view

    def change_items_view(self, guid: str) -> list[dict[str, Any]]:
        """The fields of the GET /changes/{guid}/items sample [AR endpoint_get_change_items.md]."""
        change = self.change(guid)
        out = []
        for affected in change["items"]:

            def view(included: bool) -> dict[str, Any]:
                return {
                    "includedInThisChange": included,
                    "lockedByAnotherChange": False,
                    "modifiedOnWorkingRev": included,
                    "notes": None,
                }

            out.append(
                {
                    "affectedItemRevision": self._change_revision(affected.get("affectedRevisionGuid")),
                    "bomView": view(affected.get("modifiedBom", False)),
                    "dispositionAttributes": [
                        {"guid": f"DISPOSITION{n:09d}", "name": name, "notes": None, "value": None}
                        for n, name in enumerate(("On Order", "WIP", "Finished Goods", "In the Field", "In Stock"), 1)
                    ],
                    "filesView": view(False),
                    "guid": affected["guid"],
                    "materialEffectivityDateTime": None,
                    "newItemRevision": self._change_revision(affected["newRevisionGuid"]),
                    "newLifecyclePhase": self.phase(affected["newLifecyclePhaseGuid"]),
                    "newRevisionNumber": affected["newRevisionNumber"],
                    "sourcingView": view(False),
                    "specsView": view(False),
                }
            )
        return out

    def create_change(self, spec: dict[str, Any]) -> Doc:
        """Admin: a change over items' working revisions (new BOM lines, phase, revision number)."""
        now = iso(self.store.now())
        with self.store.transaction():
            existing = [c for c in self.store.all("change") if c["number"] == spec["number"]]
            if existing:
                raise ArenaError(409, 4000, f"A change numbered {spec['number']} already exists.")
            category = {"guid": "CATECOCHANGE00000001", "name": "Engineering Change Order"}
            change: Doc = {
                "guid": spec.get("guid") or new_guid(),
                "number": spec["number"],
                "title": spec.get("title", spec["number"]),
                "description": spec.get("description"),
                "category": category,
                "creator": {"email": "erin@factory.example", "fullName": "Erin Engineer", "guid": "USERERINENGINEER0001"},
                "creationDateTime": now,
                "submissionDateTime": now,
                "lifecycleDateTime": now,
                "lifecycleStatus": {"type": "SUBMITTED_FOR_APPROVAL"},
                "implementationStatus": "NOT_STARTED",
                "effectivityType": "PERMANENT_ON_APPROVAL",
                "effectiveDateTime": None,
                "expirationDateTime": None,
                "items": [],
            }
            for entry in spec.get("items", []):
                item = next((i for i in self.store.all("item") if i["number"] == entry["number"]), None)
                if item is None:
                    raise ArenaError(404, 3012, f"No item numbered {entry['number']}.")
                working = self.working(item["guid"])
                if "bom" in entry:
                    working["bom"] = [self.bom_line(line, n) for n, line in enumerate(entry["bom"], 1)]
                    working["modifiedBom"] = True
                phase = entry.get("lifecyclePhase")
                if phase:
                    working["lifecyclePhaseGuid"] = self.phase_by_name(phase)["guid"]
                self.store.put("revision", working, item["guid"])
                effective = self.effective(item["guid"])
                change["items"].append(
                    {
                        "guid": new_guid(),
                        "itemGuid": item["guid"],
                        "affectedRevisionGuid": effective["guid"] if effective else None,
                        "newRevisionGuid": working["guid"],
                        "newRevisionNumber": entry["newRevisionNumber"],
                        "newLifecyclePhaseGuid": working["lifecyclePhaseGuid"],
                        "modifiedBom": "bom" in entry,
                    }
                )
            self.store.put("change", change)
        if spec.get("effective"):
            return self.make_effective(change["guid"])
        return change

    def bom_line(self, line: dict[str, Any], position: int) -> Doc:
        child = next((i for i in self.store.all("item") if i["number"] == line["number"]), None)
        if child is None:
            raise ArenaError(404, 3012, f"No item numbered {line['number']}.")
        return {
            "guid": new_guid(),
            "itemGuid": child["guid"],
            "lineNumber": line.get("lineNumber", position),
            "quantity": line["quantity"],
            "refDes": line.get("refDes", ""),
            "notes": line.get("notes"),
        }

    def phase_by_name(self, name: str) -> Doc:
        found = next((p for p in self.store.all("phase") if p["name"] == name), None)
        if found is None:
            raise ArenaError(404, 3012, f"No lifecycle phase {name!r}.")
        return found

    def make_effective(self, change_guid: str) -> Doc:
        """Approve a change: new revisions effective, old ones superseded, an event queued."""
        now = iso(self.store.now())
        with self.store.transaction():
            change = self.change(change_guid)
            if change["lifecycleStatus"]["type"] in ("EFFECTIVE", "COMPLETED"):
                return change
            for affected in change["items"]:
                revision = self.store.get("revision", affected["newRevisionGuid"])
                assert revision is not None
                old = self.store.get("revision", affected["affectedRevisionGuid"]) if affected["affectedRevisionGuid"] else None
                if old is not None:
                    old.update(status=2, supersededDateTime=now)
                    self.store.put("revision", old, old["itemGuid"])
                revision.update(
                    status=1,
                    number=affected["newRevisionNumber"],
                    effectiveDateTime=now,
                    changeGuid=change["guid"],
                    modifiedBom=False,
                )
                self.store.put("revision", revision, revision["itemGuid"])
                working = copy.deepcopy(revision)
                working.update(
                    guid=new_guid(), status=0, number=None, effectiveDateTime=None, changeGuid=None, creationDateTime=now
                )
                working["bom"] = [{**line, "guid": new_guid()} for line in revision["bom"]]
                self.store.put("revision", working, revision["itemGuid"])
            change.update(lifecycleStatus={"type": "EFFECTIVE"}, effectiveDateTime=now, lifecycleDateTime=now)
            self.store.put("change", change)
            self.store.put(
                "event",
                {
                    "guid": new_guid(),
                    "change": {
                        "approvedOnDateTime": now,
                        "effectiveDateTime": now,
                        "effectivityType": "PERMANENT",
                        "guid": change["guid"],
                        "number": change["number"],
                        "title": change["title"],
                    },
                    "creationDateTime": now,
                    "eventType": "CHANGE",
                    "itemsReconciled": False,
                    "status": "NEEDS_UPDATE",
                    "items": [
                        {
                            "guid": new_guid(),
                            "effective": a["newRevisionGuid"],
                            "superseded": a["affectedRevisionGuid"],
                            "reconciled": False,
                        }
                        for a in change["items"]
                    ],
                },
                self.config.integration_guid,
            )
        return change

    # --- outbound event queue (§1.9) -----------------------------------------------------------

    def _integration(self, guid: str) -> None:
        if guid != self.config.integration_guid:
            self.unknown(guid)

    def integration_view(self, guid: str) -> dict[str, Any]:
        """The fields of the GET /outboundintegrations/{guid} sample [AR endpoint_get_integrations.md]."""
        self._integration(guid)
        return {
            "guid": guid,
            "name": "ion-sync",
            "enabled": True,
            "status": "UP_TO_DATE",
            "type": "OUTBOUND_MANAGED",
            "transferType": "ITEM_REVISION",
        }

    def event(self, integration: str, guid: str) -> Doc:
        self._integration(integration)
        found = self.store.get("event", guid)
        if found is None:
            self.unknown(guid)
        return found

    def event_view(self, event: Doc) -> dict[str, Any]:
        return {k: event[k] for k in ("change", "creationDateTime", "eventType", "guid", "itemsReconciled", "status")}

    def list_events(self, integration: str, params: dict[str, str]) -> list[dict[str, Any]]:
        self._integration(integration)
        self.check_filters(params, {"itemsReconciled", "creationDateTimeFrom", "creationDateTimeTo"})
        wanted = params.get("itemsReconciled", "any")
        out = []
        for event in sorted(self.store.all("event", integration), key=lambda e: e["creationDateTime"]):
            if wanted in ("true", "false") and event["itemsReconciled"] != (wanted == "true"):
                continue
            if params.get("creationDateTimeFrom") and event["creationDateTime"] < params["creationDateTimeFrom"]:
                continue
            if params.get("creationDateTimeTo") and event["creationDateTime"] > params["creationDateTimeTo"]:
                continue
            out.append(self.event_view(event))
        return out

    def event_items_view(self, integration: str, guid: str, reconciled: str | None) -> list[dict[str, Any]]:
        event = self.event(integration, guid)
        return [
            {
                "guid": entry["guid"],
                "reconciled": entry["reconciled"],
                "effectiveItemRevision": self._event_revision(entry["effective"], effective=True),
                "supersededItemRevision": self._event_revision(entry["superseded"], effective=False),
            }
            for entry in event["items"]
            # `reconciled` omitted = false [AR endpoint_get_event_items.md]
            if (reconciled or "false") == "any" or entry["reconciled"] == ((reconciled or "false") == "true")
        ]

    def reconcile_event(self, integration: str, guid: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.store.transaction():
            event = self.event(integration, guid)
            wanted = body.get("itemsReconciled")
            if not isinstance(wanted, bool):  # the doc's sample error for a malformed request
                raise ArenaError(400, 400, "The format of the request is not valid. Please check the syntax.")
            if event["itemsReconciled"] != wanted:  # the same value again: 200, nothing done [AR endpoint_put_events.md]
                event.update(itemsReconciled=wanted, status="RECONCILED" if wanted else "NEEDS_UPDATE")
                for entry in event["items"]:
                    entry["reconciled"] = wanted
                self.store.put("event", event, integration)
        return self.event_view(event)


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
