"""ION attributes: the key/value pairs on runs, purchase orders, lines and suppliers (ion.md §3.14)
that carry the join keys to other systems (NetSuite work order, Ramp vendor id, ...)."""

from __future__ import annotations

from typing import Protocol

from connectors.ion.models.base import IonModel


class Attribute(IonModel):
    key: str
    value: str | None = None


class _HasAttributes(Protocol):
    @property
    def attributes(self) -> list[Attribute]: ...


class AttributeLookup:
    """`attribute(key)` for a model with an `attributes` field (declared by the model itself, so
    its place among the fields, and with it the order of validation errors, stays its own)."""

    def attribute(self: _HasAttributes, key: str) -> str | None:
        """The value of attribute `key`; None when the object has none or leaves it empty."""
        return next((a.value for a in self.attributes if a.key == key and a.value not in (None, "")), None)
