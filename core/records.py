"""Source records validated one by one, so a record that fails is that record's problem."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from connectors.validation import explain_record_error
from core.collector import collector_paused

M = TypeVar("M", bound=BaseModel)


def validated(
    model: type[M], nodes: Iterable[dict[str, Any]], noun: str
) -> tuple[list[M], list[tuple[str, str, dict[str, Any]]]]:
    """Each node as `model`; a node that fails is (its id, why, naming the record and the field,
    the node). A node without an id is named by a digest of its content."""
    records: list[M] = []
    failed: list[tuple[str, str, dict[str, Any]]] = []
    with collector_paused():  # a page of nested models: the collector would walk them again and again
        for node in nodes:
            try:
                records.append(model.model_validate(node))
            except ValidationError as exc:
                digest = hashlib.sha1(json.dumps(node, sort_keys=True).encode()).hexdigest()[:12]
                node_id = str(node.get("id") or "unknown-" + digest)
                failed.append((node_id, explain_record_error(f"{noun} {node_id}", exc), node))
    return records, failed
