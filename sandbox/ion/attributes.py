"""Organization-level custom attribute definitions and value checks (../shared/reference/ion.md §3.14).

Confirmed: attributes are `{key value type options Etag}` objects on purchase orders, PO lines,
suppliers (and more); for SELECT attributes `options` carries the allowed choices and `value` is
the chosen one; org-level definitions are managed separately from values. INFERENCE (§3.14),
hence config (`IonSimConfig.purchase_order_attributes` etc.): the API type names, that `options`
is a list of strings, that MULTISELECT values are a JSON-encoded list, that every defined
attribute shows on every object (value null until set) and that an unknown key is an error.
"""

from __future__ import annotations

import json
from typing import Literal

from graphql import GraphQLError
from pydantic import BaseModel, ConfigDict

AttributeType = Literal[
    "STRING", "NUMBER", "BOOLEAN", "DATETIME", "SELECT", "MULTISELECT", "ION_PART", "ION_USER", "RICH_TEXT", "FILE_ATTACHMENT"
]


class AttributeDefinition(BaseModel):
    """One org-level attribute: its key, type and (SELECT/MULTISELECT) options."""

    model_config = ConfigDict(extra="forbid")

    key: str
    type: AttributeType = "STRING"
    options: list[str] = []


def definition_for(definitions: list[AttributeDefinition], key: str, owner: str) -> AttributeDefinition:
    """The definition of `key`, or a GraphQL error naming the keys that exist (§3.14)."""
    for definition in definitions:
        if definition.key == key:
            return definition
    known = ", ".join(repr(d.key) for d in definitions) or "none"
    raise GraphQLError(f"Unknown {owner} attribute key {key!r}; the organization defines: {known}.")


def check_value(definition: AttributeDefinition, value: str | None) -> None:
    """Reject a value the attribute's type cannot hold; null always clears."""
    if value is None:
        return
    kind = definition.type
    if kind == "SELECT" and value not in definition.options:
        raise GraphQLError(f"Invalid option {value!r} for SELECT attribute {definition.key!r}; options: {definition.options}.")
    if kind == "MULTISELECT":
        try:
            chosen = json.loads(value)
        except ValueError:
            chosen = None
        if not isinstance(chosen, list) or any(c not in definition.options for c in chosen):
            raise GraphQLError(
                f"Invalid value {value!r} for MULTISELECT attribute {definition.key!r}:"
                f" a JSON list drawn from the options {definition.options}."
            )
    if kind == "NUMBER":
        try:
            float(value)
        except ValueError:
            raise GraphQLError(f"Invalid number {value!r} for NUMBER attribute {definition.key!r}.") from None
    if kind == "BOOLEAN" and value.lower() not in ("true", "false"):
        raise GraphQLError(f"Invalid value {value!r} for BOOLEAN attribute {definition.key!r}: true or false.")
