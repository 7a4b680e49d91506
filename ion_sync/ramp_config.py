"""The `ramp:` section of the mappings file: how ION purchasing meets Ramp (seed 000)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class RampMappings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    approval: Literal["in_ion", "in_ramp"] = Field(
        "in_ion",
        description="in_ion: a PO is created in Ramp once APPROVED in ION; in_ramp (the seed's optional mode): "
        "created when it goes to REQUESTED ('In Review') and Ramp's approval moves it to APPROVED in ION",
    )
    three_way_match: bool = Field(True, description="create Ramp POs with three-way match enabled")
    purchase_order_prefix: str = Field(
        "ION", pattern=r"^[A-Z0-9-]+$", description="Ramp PO number = <prefix>-<ION PO id> (uppercase letters, digits, dashes)"
    )
    item_receipt_prefix: str = Field("ION-R", min_length=1, description="Ramp item receipt number = <prefix><receipt id>-<PO id>")
    vendor_attribute: str = Field("Ramp Vendor Id", min_length=1, description="ION supplier attribute holding the Ramp vendor id")
    net_payment_terms: int | None = Field(None, ge=0, description="net payment terms (days) sent with every PO, if set")
    also_statuses: list[Literal["APPROVED", "ORDERED", "RECEIVED"]] = Field(
        default_factory=list,
        description="further ION statuses whose POs are created in Ramp: a PO approved and ordered between two runs "
        "is otherwise missed. Leave empty while ION also holds POs of another purchasing system (e.g. NetSuite's)",
    )

    @property
    def trigger_status(self) -> str:
        return "REQUESTED" if self.approval == "in_ramp" else "APPROVED"

    @property
    def trigger_statuses(self) -> list[str]:
        return sorted({self.trigger_status, *self.also_statuses})
