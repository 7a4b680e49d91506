"""What an integration writes back to Arena, with the rules Arena's docs state: item files
(uploaded content), change requests with their items, and the read-only settings they name.

Sources (`[AR <file>]` = `ptc-arena/arena-restapi-doc`, `Arena REST API/<file>`; the table of
every field and rule is `sandbox/arena/SOURCES.md`):
- `POST /items/{guid}/files`: content is uploaded as multipart/form-data with
  `file.storageMethodName: FILE`; JSON only for PLACE_HOLDER/FTP/WEB; the answer to an upload is
  201 with no JSON, the association GUID in `X-Arena-ItemFileAssociation-Guid`
  [AR Endpoints/Item Files/endpoint_upload_file_to_item.md]; `file.name` is set by Arena from
  the content [AR Objects/object_file.md].
- `POST /requests`: `category`, `numberSequencePrefix` (the category's default when left out),
  `title`, `problem`, `requestedAction`, …; a new request is UNSUBMITTED, numbered prefix + six
  digits [AR Endpoints/Requests Summary/endpoint_create_request.md],
  [AR Endpoints/Settings/Request Settings/endpoint_get_request_number_prefixes.md].
- `POST /requests/{guid}/items` `{item {guid}, notes}` [AR Endpoints/Request Items/endpoint_request_add_item.md].
- Error codes and messages: [AR API Error Codes/error_code_3000_to_3299.md], [AR API Error Codes/error_code_4000_to_4999.md].
"""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass, field
from typing import Any

from sandbox.arena.store import ArenaError, Doc, iso, new_guid
from sandbox.arena.workspace import Workspace, matches

FILE_STORAGE = {"FILE": 0, "PLACE_HOLDER": 1, "FTP": 2, "WEB": 3}  # storageMethod (deprecated) [AR Objects/object_file.md]
#: Text attributes of an upload [AR endpoint_upload_file_to_item.md sample]
UPLOAD_FIELDS = {
    "file.author.fullName",
    "file.category.guid",
    "file.description",
    "file.edition",
    "file.format",
    "file.private",
    "file.storageMethodName",
    "file.title",
    "latestEditionAssociation",
    "primary",
}
#: Attributes of a request body [AR endpoint_create_request.md sample, Objects of GET /requests]
REQUEST_FIELDS = {
    "category",
    "creatorParticipation",
    "evaluatorGroup",
    "numberSequencePrefix",
    "title",
    "problem",
    "requestCode",
    "requestedAction",
    "additionalAttributes",
}
REQUEST_ITEM_FIELDS = {"item", "notes"}  # [AR endpoint_request_add_item.md]
REQUEST_FILTERS = {  # searchable attributes [AR Endpoints/Requests Summary/endpoint_get_requests.md]
    "category.guid",
    "creator.guid",
    "deferralCode",
    "lifecycleStatus.type",
    "number",
    "requestCode",
    "resolutionCode",
    "submissionDateTimeFrom",
    "submissionDateTimeTo",
    "title",
}
CREATOR = {"email": "ion-sync@factory.example", "fullName": "ion-sync Integration", "guid": "USERIONSYNC000000001"}


@dataclass
class Upload:
    filename: str
    content: bytes
    content_type: str


@dataclass
class Payload:
    """A request body: JSON, or a multipart form with at most one uploaded file."""

    json: dict[str, Any] = field(default_factory=dict)
    form: dict[str, str] | None = None
    upload: Upload | None = None


def parse_multipart(content_type: str, raw: bytes) -> Payload:
    """A multipart/form-data body with the standard library's MIME parser."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    if not message.is_multipart():
        raise ArenaError(400, 400, "The format of the request is not valid. Please check the syntax.")
    form: dict[str, str] = {}
    upload: Upload | None = None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)  # bytes for a part that is not itself multipart, else None
        data = payload if isinstance(payload, bytes) else b""
        if part.get_filename() is not None:
            upload = Upload(part.get_filename() or "", data, part.get_content_type())
        elif isinstance(name, str):
            form[name] = data.decode()
    return Payload(form=form, upload=upload)


def _refuse_unknown(ws: Workspace, names: set[str], allowed: set[str]) -> None:
    """INFERENCE (configurable): code 3004 is documented; that these endpoints refuse extra attributes is not."""
    unknown = sorted(names - allowed)
    if unknown and ws.config.refuse_unknown_attributes:
        raise ArenaError(400, 3004, f'The attribute "{unknown[0]}" is not recognized.')


def _required(value: Any, name: str) -> None:
    if value in (None, "", {}):
        raise ArenaError(400, 3001, f'The attribute "{name}" is required.')


# --- item files ---------------------------------------------------------------------------------


def create_item_file(ws: Workspace, item_guid: str, payload: Payload) -> tuple[Doc, bool]:
    """A new file association; (association, uploaded). An upload answers with no JSON."""
    item, _revision = ws.resolve(item_guid)
    if payload.form is None:
        meta = payload.json.get("file") or {}
        storage = meta.get("storageMethodName")
        if storage == "FILE":
            # The docs: FILE needs multipart/form-data. INFERENCE: the code; 3033 "The file is missing." is documented.
            raise ArenaError(400, 3033, "The file is missing.")
        if storage not in ("PLACE_HOLDER", "FTP", "WEB"):
            raise ArenaError(400, 3027, "The file storage method is not valid. The valid one can be -1, 0, 2 or 3.")
        fields = {
            "title": meta.get("title"),
            "edition": meta.get("edition"),
            "description": meta.get("description"),
            "format": meta.get("format"),
            "category": (meta.get("category") or {}).get("guid"),
            "location": meta.get("location"),
            "storage": storage,
        }
        primary, latest, name, content = payload.json.get("primary"), payload.json.get("latestEditionAssociation"), None, None
    else:
        form = payload.form
        _refuse_unknown(ws, set(form), UPLOAD_FIELDS)
        if form.get("file.storageMethodName") != "FILE":
            # INFERENCE by analogy with code 7003 (multipart file corrections support only FILE)
            raise ArenaError(400, 3027, "The file storage method is not valid. The valid one can be -1, 0, 2 or 3.")
        if payload.upload is None or not payload.upload.content:
            raise ArenaError(400, 3033, "The file is missing.")
        fields = {
            "title": form.get("file.title"),
            "edition": form.get("file.edition"),
            "description": form.get("file.description"),
            "format": form.get("file.format"),
            "category": form.get("file.category.guid"),
            "location": None,
            "storage": "FILE",
        }
        primary, latest = form.get("primary") == "true", form.get("latestEditionAssociation", "true") == "true"
        name, content = payload.upload.filename, payload.upload.content.decode(errors="replace")
    _required(fields["title"], "file.title")  # INFERENCE: a file without a title
    _required(fields["edition"], "file.edition")  # the doc's sample error
    category = fields["category"] or ws.config.default_file_category
    known = {c.guid: c for c in ws.config.file_categories}
    if category not in known:
        raise ArenaError(400, 3002, f'The category guid "{category}" is not valid.')
    now = iso(ws.store.now())
    association: Doc = {
        "guid": new_guid(),
        "file": {  # the fields of the GET /items/{guid}/files sample
            "author": {"fullName": CREATOR["fullName"]},
            "category": {"guid": category, "name": known[category].name, "path": known[category].path},
            "checkedOut": False,
            "corrected": False,
            "creationDateTime": now,
            "description": fields["description"],
            "edition": str(fields["edition"]),
            "format": fields["format"],
            "guid": new_guid(),
            "hasMarkup": False,
            "lastModifiedDateTime": now,
            "latest": True,
            "location": fields["location"],
            "locked": False,
            "mimeType": payload.upload.content_type if payload.upload else None,
            "name": name,
            "number": f"FILE-{ws.store.count('file') + 1:06d}",
            "private": False,
            "size": len(payload.upload.content) if payload.upload else None,
            "storageMethod": FILE_STORAGE[str(fields["storage"])],
            "storageMethodName": fields["storage"],
            "title": fields["title"],
        },
        "latestEditionAssociation": bool(latest) if latest is not None else True,
        "primary": bool(primary),
    }
    with ws.store.transaction():
        # itemGuid and content are the simulator's own (the admin dump shows them), not API fields
        ws.store.put("file", {**association, "itemGuid": item["guid"], "content": content}, item["guid"])
    return association, payload.form is not None


def list_item_files(ws: Workspace, item_guid: str) -> list[Doc]:
    item, _revision = ws.resolve(item_guid)
    return [{k: v for k, v in a.items() if k not in ("itemGuid", "content")} for a in ws.store.all("file", item["guid"])]


# --- requests -----------------------------------------------------------------------------------


def _category(ws: Workspace, guid: str) -> Any:
    found = next((c for c in ws.config.request_categories if c.guid == guid), None)
    if found is None:
        raise ArenaError(400, 3002, f'The category guid "{guid}" is not valid.')
    if not found.assignable:
        raise ArenaError(400, 3007, "This category is structural; objects may not be assigned to it.")
    if not found.activated:
        raise ArenaError(400, 3038, f'The category "{found.name}" (guid {found.guid}) is inactive.')
    return found


def create_request(ws: Workspace, body: dict[str, Any]) -> Doc:
    _refuse_unknown(ws, set(body), REQUEST_FIELDS)
    _required(body.get("title"), "title")  # INFERENCE: every sample request has a title
    _required((body.get("category") or {}).get("guid"), "category")  # INFERENCE: every request has a category
    category = _category(ws, body["category"]["guid"])
    prefix = (body.get("numberSequencePrefix") or {}).get("value") or category.default_prefix
    if not prefix:  # "In all cases, numberSequencePrefix is required" unless the category has a default
        raise ArenaError(400, 4012, "The number format prefix is required.")
    if prefix not in {p.value for p in ws.config.request_prefixes}:
        raise ArenaError(400, 4011, "Invalid number format prefix.")
    now = iso(ws.store.now())
    with ws.store.transaction():
        sequence = sum(1 for r in ws.store.all("request") if r["number"].startswith(prefix)) + 1
        request: Doc = {  # the fields of the documented response
            "category": {"guid": category.guid, "name": category.name},
            "creationDateTime": now,
            "creator": CREATOR,
            "deferDeadlineDateTime": None,
            "deferralCode": None,
            "dispositionType": None,
            "evaluatorGroup": body.get("evaluatorGroup"),
            "guid": new_guid(),
            "lifecycleDateTime": now,
            "lifecycleStatus": {"type": "UNSUBMITTED"},
            "number": f"{prefix}{sequence:06d}",
            "problem": body.get("problem"),
            "requestCode": body.get("requestCode"),
            "requestedAction": body.get("requestedAction"),
            "resolutionCode": None,
            "submissionDateTime": None,
            "submitter": None,
            "title": body["title"],
        }
        ws.store.put("request", {**request, "items": []})
    return request


def find_request(ws: Workspace, guid: str) -> Doc:
    found = ws.store.get("request", guid)
    if found is None:
        ws.unknown(guid)
    return found


def request_view(request: Doc) -> Doc:
    return {k: v for k, v in request.items() if k != "items"}


def list_requests(ws: Workspace, params: dict[str, str]) -> list[Doc]:
    ws.check_filters(params, REQUEST_FILTERS)
    out = []
    for request in ws.store.all("request"):
        values = {
            "category.guid": request["category"]["guid"],
            "creator.guid": request["creator"]["guid"],
            "lifecycleStatus.type": request["lifecycleStatus"]["type"],
        }
        wanted = {k: v for k, v in params.items() if k in REQUEST_FILTERS and not k.startswith("submissionDateTime")}
        if all(matches(values.get(k, request.get(k)), v) for k, v in wanted.items()):
            out.append(request_view(request))
    return out


def add_request_item(ws: Workspace, request_guid: str, body: dict[str, Any]) -> Doc:
    _refuse_unknown(ws, set(body), REQUEST_ITEM_FIELDS)
    with ws.store.transaction():
        request = find_request(ws, request_guid)
        guid = (body.get("item") or {}).get("guid")
        _required(guid, "item")
        item, revision = ws.resolve(str(guid))
        if request["lifecycleStatus"]["type"] != "UNSUBMITTED":  # INFERENCE: which statuses lock a request
            raise ArenaError(400, 4039, "Items can only be added to unlocked Requests.")
        if any(line["item"]["guid"] == item["guid"] for line in request["items"]):
            raise ArenaError(400, 4042, "This item has already been associated to this Request.")
        line = {"guid": new_guid(), "item": ws.item_ref(item, revision), "notes": body.get("notes")}
        request["items"].append(line)
        ws.store.put("request", request)
    return line


def request_items(ws: Workspace, request_guid: str) -> list[Doc]:
    return list(find_request(ws, request_guid)["items"])


# --- settings (read-only) -----------------------------------------------------------------------


def request_category_view(ws: Workspace, guid: str | None = None) -> Any:
    """[AR endpoint_get_request_categories.md]; `numberingSequencePrefixDefault` names a prefix."""
    prefixes = {p.value: p.guid for p in ws.config.request_prefixes}
    rows = [
        {
            "activated": c.activated,
            "assignable": c.assignable,
            "description": None,
            "evaluatorGroupDefault": None,
            "guid": c.guid,
            "level": c.path.count("\\") + 1,
            "name": c.name,
            "numberingSequencePrefixDefault": {"guid": prefixes.get(c.default_prefix), "value": c.default_prefix}
            if c.default_prefix
            else None,
            "path": c.path,
            "structural": not c.assignable,
            "systemDefined": False,
        }
        for c in ws.config.request_categories
    ]
    return _one_or_all(ws, rows, guid)


def request_prefixes_view(ws: Workspace) -> list[Doc]:
    return [{"guid": p.guid, "value": p.value} for p in ws.config.request_prefixes]


def file_category_view(ws: Workspace, guid: str | None = None) -> Any:
    rows: list[dict[str, Any]] = [
        {
            "activated": True,
            "assignable": True,
            "guid": c.guid,
            "level": (c.path or "").count("\\") + 1,
            "name": c.name,
            "path": c.path,
            "requirements": [],
            "systemDefined": c.name == "-uncategorized-",
        }
        for c in ws.config.file_categories
    ]
    return _one_or_all(ws, rows, guid)


def _one_or_all(ws: Workspace, rows: list[Doc], guid: str | None) -> Any:
    if guid is None:
        return {"count": len(rows), "results": rows}
    found = next((r for r in rows if r["guid"] == guid), None)
    if found is None:
        ws.unknown(guid)
    return found
