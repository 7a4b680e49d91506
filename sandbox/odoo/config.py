"""What the Odoo simulator is: its version, credentials, installed apps and the INFERENCE switches
(sandbox/odoo/SOURCES.md says which rule each one covers)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class OdooSimConfig(BaseModel):
    version: int = Field(19, ge=16, le=19, description="the major version simulated: field names, wizards, transports")
    database: str = "ion-demo"
    username: str = "ion-sync@factory.example"
    api_key: str = "odoo-sandbox-api-key"
    uid: int = 6
    seed_demo: bool = True
    mrp_installed: bool = Field(True, description="the Manufacturing app: without it mrp.production does not exist")
    consumption: Literal["flexible", "warning", "strict"] = Field(
        "warning", description="the demo BoMs' consumption mode (mrp.bom.consumption) copied to their MOs"
    )
    # INFERENCE: JSON-2's status per exception class (the docs show only 401; werkzeug's own codes otherwise)
    json2_status: dict[str, int] = Field(
        default_factory=lambda: {
            "odoo.exceptions.AccessDenied": 401,
            "odoo.exceptions.AccessError": 403,
            "odoo.exceptions.MissingError": 404,
            "odoo.exceptions.UserError": 422,
            "odoo.exceptions.ValidationError": 422,
            "builtins.ValueError": 422,
        }
    )
    page_limit: int | None = Field(None, description="INFERENCE: Odoo caps no search_read; set to test paging")

    @property
    def json2(self) -> bool:
        """JSON-2 exists from 19.0 [ODOO-JSON2 versionadded]."""
        return self.version >= 19
