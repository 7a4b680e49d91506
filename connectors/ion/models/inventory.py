"""ION part inventory (ion.md §3.4), in the three roles ion-sync reads it: what a run produced,
what was installed into it, and what is on hand."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from connectors.ion.models.base import IonModel, Quantity
from connectors.ion.models.locations import Location
from connectors.ion.models.parts import Part

# What a run installed is read as plain dicts, validated as strictly as the models: a completed
# run carries ~20 installations of four objects each, and as models they were two thirds of the
# time to validate a page (51 ms -> 14 ms per 200 runs of 20; benchmarks/consumption.py). Their
# location and part are the fields of `Location` and `Part` that the consumption query reads.
# (typing_extensions' TypedDict: pydantic needs it before Python 3.12.)


class InstalledLocation(TypedDict):
    id: int
    name: NotRequired[str | None]


class InstalledPart(TypedDict):
    partNumber: Annotated[str, Field(min_length=1)]
    revision: NotRequired[str | None]
    trackingType: NotRequired[Literal["SERIAL", "LOT"] | None]


class InstalledInventory(TypedDict):
    id: NotRequired[int | None]
    serialNumber: NotRequired[str | None]
    lotNumber: NotRequired[str | None]
    location: InstalledLocation
    part: InstalledPart


class AbomInstallation(TypedDict):
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
