"""Configuration of the Arena PLM simulator (`../shared/reference/arena.md` §1).

Facts the sources leave open (marked INFERENCE in `sandbox/arena/SOURCES.md`: page semantics,
how strictly unknown attributes are refused, the event-queue
integration id) are fields here, not constants. The workspace settings (request categories,
number sequence prefixes, file categories) default to the samples of Arena's own docs.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from sandbox.faults import FaultConfig


class RequestCategory(BaseModel):
    """A request category [AR Endpoints/Settings/Request Settings/endpoint_get_request_categories.md]."""

    guid: str
    name: str
    path: str
    assignable: bool = True  # False: a structural parent; requests may not be filed in it (code 3007)
    activated: bool = True  # False: inactive; refused with code 3038
    default_prefix: str | None = None  # `numberingSequencePrefixDefault.value`


class Setting(BaseModel):
    """A `{guid, value}` prefix or a `{guid, name, path}` file category, as the settings endpoints list them."""

    guid: str
    value: str | None = None
    name: str | None = None
    path: str | None = None


# The samples of Arena's docs (endpoint_get_request_categories.md, endpoint_get_request_number_prefixes.md,
# endpoint_get_file_categories.md / endpoint_get_item_file_assocs.md).
REQUEST_CATEGORIES = [
    RequestCategory(guid="L3N6P2NE14NXGZELLMAW", name="Change Request", path="Request\\Change Request", assignable=False),
    RequestCategory(
        guid="HZJ2LYJAX0JTCVAHHI66",
        name="Engineering Change Request",
        path="Request\\Change Request\\Engineering Change Request",
        default_prefix="ECR-",
    ),
    RequestCategory(
        guid="I0K3MZKBY1KUDWBIIJ7C",
        name="Manufacturing Change Request",
        path="Request\\Change Request\\Manufacturing Change Request",
        default_prefix="MCR-",
    ),
]
REQUEST_PREFIXES = [
    Setting(guid="8QATCPA1OR73M5NPBWL9", value="DCR-"),
    Setting(guid="ASCVERC3QT95O7PRDYND", value="ECR-"),
    Setting(guid="CUEXGTE5SVB7Q9RTF0P8", value="MCR-"),
]
FILE_CATEGORIES = [
    Setting(guid="I0K3MU330H0ATCVC0C11", name="-uncategorized-", path="File"),
    Setting(guid="Q5O7QY5R7FY8RATAYXNX", name="Design Drawing", path="File\\Engineering\\Schematic"),
]


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
    request_categories: list[RequestCategory] = Field(default_factory=lambda: list(REQUEST_CATEGORIES))
    request_prefixes: list[Setting] = Field(default_factory=lambda: list(REQUEST_PREFIXES))
    file_categories: list[Setting] = Field(default_factory=lambda: list(FILE_CATEGORIES))
    default_file_category: str = Field(
        "I0K3MU330H0ATCVC0C11", description="INFERENCE: the category of a file uploaded without `file.category.guid`."
    )
    refuse_unknown_attributes: bool = Field(
        True,
        description="INFERENCE: refuse a write body attribute the docs do not list with code 3004 "
        "'The attribute \"{0}\" is not recognized.' (the code is documented; that these endpoints answer it is not).",
    )
    faults: FaultConfig = Field(default_factory=FaultConfig)
