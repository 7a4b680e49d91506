"""Configuration of the Arena PLM simulator (`../shared/reference/arena.md` §1).

Facts the reference marks INFERENCE (page semantics, where feedback lands, the event-queue
integration id) are fields here, not constants.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from sandbox.faults import FaultConfig


class ArenaSimConfig(BaseModel):
    """Everything that shapes the simulated Arena workspace. Defaults: `sandbox/README.md`."""

    database: str | None = Field(None, description="SQLite file of the workspace; None = a fresh temporary file.")
    seed_demo: bool = Field(True, description="Seed the demo product (sandbox/README.md, 'Arena simulator').")
    email: str = "ion-sync@factory.example"
    password: str = "arena-sandbox"
    workspace_id: int = 898989898
    workspace_name: str = "Factory Demo"
    request_limit: int = Field(10000, description="Requests per 24 h (all but login count), §1.3.")
    session_idle_minutes: float = Field(90, description="A session expires this long after its last request, §1.2.")
    max_page_size: int = Field(400, description="`limit` above this is a 400, §1.5.")
    default_page_size: int = 20
    integration_guid: str = Field(
        "OUTBOUNDION000000001", description="The outbound integration (set up by Arena support) whose event queue ion-sync reads."
    )
    change_effective_at_seed: bool = Field(
        True, description="Seed ECO-000101 (ASSY-100 A → B) as EFFECTIVE with its event queued; False leaves it for approval."
    )
    faults: FaultConfig = Field(default_factory=FaultConfig)
