"""What every ION model shares: the model base and the number type of quantities and costs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from connectors.validation import Number

Quantity = Number  # finite and within what every target can hold (`connectors.validation`)


class IonModel(BaseModel):
    """Fields ION adds later are ignored; `_etag`-style aliases may also be filled by name."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
