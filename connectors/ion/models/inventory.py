"""ION part inventory (ion.md §3.4), in the three roles ion-sync reads it: what a run produced,
what was installed into it, and what is on hand."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from connectors.ion.models.base import IonModel, Quantity
from connectors.ion.models.locations import Location
from connectors.ion.models.parts import Part


class InstalledInventory(IonModel):
    id: int | None = None
    serialNumber: str | None = None
    lotNumber: str | None = None
    location: Location
    part: Part


class AbomInstallation(IonModel):
    """One installation of a component into the produced unit (ion.md §3.9)."""

    quantityInstalledPerParentPartInventory: Annotated[Quantity, Field(ge=0)]
    partInventory: InstalledInventory


class BuildRequirement(IonModel):
    abomInstallations: list[AbomInstallation] = Field(default_factory=list)


class ProducedInventory(IonModel):
    id: int | None = None
    quantity: Annotated[Quantity, Field(gt=0)]
    serialNumber: str | None = None
    lotNumber: str | None = None
    location: Location
    part: Part
    buildRequirements: list[BuildRequirement] = Field(default_factory=list)


class OnHandInventory(IonModel):
    id: int
    quantity: Quantity
    quantityInstalled: Quantity | None = 0.0
    quantityScrapped: Quantity | None = 0.0
    status: str | None = None
    location: Location | None = None
    part: Part
