"""Pydantic models of the ION objects ion-sync reads, named and shaped as ION returns them.

Validation here is the first line against bad input: a record that fails it becomes a dead
letter whose reason names the record and the field (`connectors.validation`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from connectors.validation import Number

Quantity = Number  # finite and within what every target can hold (`connectors.validation`)


class _Ion(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Part(_Ion):
    partNumber: str = Field(min_length=1)
    revision: str | None = None
    trackingType: Literal["SERIAL", "LOT"] | None = None


class Location(_Ion):
    id: int
    name: str | None = None
    parentId: int | None = None


class InstalledInventory(_Ion):
    id: int | None = None
    serialNumber: str | None = None
    lotNumber: str | None = None
    location: Location
    part: Part


class AbomInstallation(_Ion):
    quantityInstalledPerParentPartInventory: Annotated[Quantity, Field(ge=0)]
    partInventory: InstalledInventory


class BuildRequirement(_Ion):
    abomInstallations: list[AbomInstallation] = Field(default_factory=list)


class ProducedInventory(_Ion):
    id: int | None = None
    quantity: Annotated[Quantity, Field(gt=0)]
    serialNumber: str | None = None
    lotNumber: str | None = None
    location: Location
    part: Part
    buildRequirements: list[BuildRequirement] = Field(default_factory=list)


class RunAttribute(_Ion):
    key: str
    value: str | None = None


class CompletedRun(_Ion):
    """A completed run and what it produced, with the as-built installations (the seed's query)."""

    id: int
    title: str | None = None
    status: str
    endTime: datetime
    updated: datetime | None = Field(None, alias="_updated")
    attributes: list[RunAttribute] = Field(default_factory=list)
    partInventory: ProducedInventory

    def attribute(self, key: str) -> str | None:
        return next((a.value for a in self.attributes if a.key == key), None)


class OnHandInventory(_Ion):
    id: int
    quantity: Quantity
    quantityInstalled: Quantity | None = 0.0
    quantityScrapped: Quantity | None = 0.0
    status: str | None = None
    location: Location | None = None
    part: Part
