"""The bodies ion-sync sends to Arena, shaped as Arena's own docs show them.

Sources (`ptc-arena/arena-restapi-doc`, cited as `[AR <file>]`, see
`../shared/reference/arena.md` §6); the golden tests in `tests/contract/arena/` compare each
body with the documented sample:
- a change request: `POST /requests` `{category {guid}, numberSequencePrefix {value}, title,
  problem, requestedAction}` [AR Endpoints/Requests Summary/endpoint_create_request.md];
  there is no `description` on a request.
- an item on a request: `POST /requests/{guid}/items` `{item {guid}, notes}`
  [AR Endpoints/Request Items/endpoint_request_add_item.md].
- a file with content on an item: `POST /items/{guid}/files` as multipart/form-data, text
  attributes `file.title`, `file.edition`, `file.storageMethodName: FILE`, … and the file
  itself as the `content` part [AR Endpoints/Item Files/endpoint_upload_file_to_item.md].
  `file.name` is not sent: Arena derives it from the uploaded content [AR Objects/object_file.md].
"""

from __future__ import annotations

from typing import Any


def request_body(*, category_guid: str, prefix: str, title: str, problem: str, requested_action: str) -> dict[str, Any]:
    return {
        "category": {"guid": category_guid},
        "numberSequencePrefix": {"value": prefix},
        "title": title,
        "problem": problem,
        "requestedAction": requested_action,
    }


def request_item_body(item_guid: str, notes: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"item": {"guid": item_guid}}
    if notes:
        body["notes"] = notes
    return body


def item_file_fields(
    *, title: str, description: str, file_format: str, edition: str = "1", category_guid: str | None = None
) -> dict[str, str]:
    """The text attributes of a multipart file upload (the file goes in the `content` part)."""
    fields = {
        "file.title": title,
        "file.description": description,
        "file.edition": edition,
        "file.format": file_format,
        "file.private": "false",
        "file.storageMethodName": "FILE",
        "latestEditionAssociation": "true",
        "primary": "false",
    }
    if category_guid:
        fields["file.category.guid"] = category_guid
    return fields
