"""The `ramp:` section of the mappings file: how ION purchasing meets Ramp (seed 000)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# ramp-openapi.json (2025-08): `ApiPurchaseOrderResource` has no approval field, no endpoint approves,
# rejects or lists a PO's (or its spend request's) approval, and no webhook event type reports one
# (`purchase_orders.created|updated` only); ramp.md B3 "Approval", B8, B9.
IN_RAMP_UNSUPPORTED = (
    "ramp.approval: in_ramp cannot work: Ramp's Developer API exposes no purchase-order approval (no approval field "
    "on a PO, no approval endpoint, no approval webhook event: ramp-openapi.json ApiPurchaseOrderResource, ramp.md B3), "
    "so an approval made in Ramp would never reach ION. Set ramp.approval: in_ion (approve in ION; the PO is created "
    "in Ramp once APPROVED) in the mappings file"
)


class RampMappings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    approval: Literal["in_ion", "in_ramp"] = Field(
        "in_ion",
        description="in_ion: a PO is created in Ramp once APPROVED in ION. in_ramp (the seed's optional mode) "
        "cannot work: Ramp's Developer API does not expose a PO's approval (IN_RAMP_UNSUPPORTED); the Ramp flows "
        "refuse to start with it",
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

    def unsupported(self) -> str | None:
        """Why this configuration cannot work against Ramp's published API, if it cannot."""
        return IN_RAMP_UNSUPPORTED if self.approval == "in_ramp" else None

    @property
    def trigger_statuses(self) -> list[str]:
        """ION statuses whose POs are created in Ramp: APPROVED (the only mode that can work), and `also_statuses`."""
        return sorted({"APPROVED", *self.also_statuses})
