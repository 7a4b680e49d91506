"""ION parts (ion.md §3.3): in full where inventory names one, by number where a line refers to one."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from connectors.ion.models.base import IonModel


class Part(IonModel):
    partNumber: str = Field(min_length=1)
    revision: str | None = None
    trackingType: Literal["SERIAL", "LOT"] | None = None


class PartRef(IonModel):
    """A part as a purchase-order line names it: its number only."""

    partNumber: str
