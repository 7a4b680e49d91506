"""ION runs and run steps (ion.md §3.1, §3.2)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from connectors.ion.models.attributes import Attribute, AttributeLookup
from connectors.ion.models.base import IonModel
from connectors.ion.models.inventory import ProducedInventory


class Run(IonModel, AttributeLookup):
    """A run as a step names it: identity, status and the attributes that carry the join keys."""

    id: int
    title: str | None = None
    status: str | None = None
    attributes: list[Attribute] = Field(default_factory=list)


class RunStep(IonModel):
    id: int
    title: str | None = None
    position: int | None = None
    run: Run


class CompletedRun(IonModel, AttributeLookup):
    """A completed run and what it produced, with the as-built installations (the seed's query)."""

    id: int
    title: str | None = None
    status: str
    endTime: datetime
    updated: datetime | None = Field(None, alias="_updated")
    attributes: list[Attribute] = Field(default_factory=list)
    partInventory: ProducedInventory
