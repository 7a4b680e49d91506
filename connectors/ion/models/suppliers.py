"""ION suppliers (ion.md §3.12): by reference where a purchase order names one, in full where
ion-sync keeps them in step with Ramp vendors."""

from __future__ import annotations

from pydantic import Field

from connectors.ion.models.attributes import Attribute, AttributeLookup
from connectors.ion.models.base import IonModel


class SupplierRef(IonModel, AttributeLookup):
    id: int
    name: str
    attributes: list[Attribute] = Field(default_factory=list)


class Supplier(SupplierRef):
    etag: str = Field(alias="_etag")
    description: str | None = None
    address: str | None = None
