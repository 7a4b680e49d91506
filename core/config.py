"""Application settings (ION_SYNC_* variables) and the mappings file.

Mappings are configuration, not code: which ERP location an ION location posts to, which
ERP item an ION part is when the numbers differ, which run attribute names the work order. Each
ERP has a section of the same shape (`netsuite:`, `business_central:`, `odoo:`). They live in one YAML file (`ION_SYNC_CONFIG`, documented in README), validated
on load so a mistake stops a run before any write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.errors import ConfigError, InfrastructureError
from connectors.settings import data_dir
from connectors.validation import field_path
from core.ramp_config import RampMappings

DATA_DIR = data_dir()

ErpName = Literal["netsuite", "business-central", "odoo"]
ERP_NAMES: tuple[ErpName, ...] = ("netsuite", "business-central", "odoo")


def erp_integration(base: str, erp: ErpName) -> str:
    """The ledger integration (and deployment) name of an ERP-port flow for one ERP: NetSuite's
    keeps the base name ("receipt-sync"), the others carry their ERP ("receipt-sync-odoo"), so
    one ledger can serve several ERPs without one's receipts counting as posted to the other."""
    return base if erp == "netsuite" else f"{base}-{erp}"


PlmName = Literal["arena", "onshape", "duro"]  # the PLMs behind the PLM port (tasks/plm.py ADAPTERS)


class AppSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ION_SYNC_", extra="ignore")

    database_url: str = Field(
        default_factory=lambda: f"sqlite:///{DATA_DIR / 'ledger.db'}",
        description="SQLAlchemy URL of the ledger: sqlite:///path or postgresql+psycopg://user@host/db",
    )
    config: Path = Field(Path("ion-sync.yaml"), description="path of the mappings file (YAML)")
    reports_dir: Path = Field(DATA_DIR / "reports", description="where CSV, PNG and JSONL reports are written")
    reports_block: str | None = Field(
        None,
        description="a Prefect filesystem block to write report files through, as <block type>/<name> "
        "(e.g. remote-file-system/reports); unset: the local directory ION_SYNC_REPORTS_DIR",
    )
    reports_url: str | None = Field(
        None, description="the base URL where browsers reach the report storage (for links and the chart image)"
    )
    erp: ErpName = Field(
        "netsuite",
        description="the ERP the ERP-port flows talk to (consumption-sync, receipt-sync, ...): its adapter and settings",
    )

    plm: PlmName = Field(
        "arena",
        description="the PLM the PLM-port flows talk to when their `plm` parameter is unset (plm-part-sync, ...)",
    )

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, url: str) -> str:
        if not url.startswith(("sqlite", "postgresql")):
            raise ValueError("use sqlite:///<file> or postgresql+psycopg://<user>@<host>/<db>")
        return url

    def prepare(self) -> None:
        """Create the local directories a SQLite ledger and the reports need."""
        from ledger.store import sqlite_file  # the ledger's own reading of its URL (imported by whoever prepares)

        wanted = {"ION_SYNC_REPORTS_DIR": self.reports_dir}
        if (ledger_file := sqlite_file(self.database_url)) is not None:
            wanted = {"ION_SYNC_DATABASE_URL": ledger_file.parent, **wanted}
        for variable, directory in wanted.items():
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InfrastructureError(
                    f"{variable}: cannot create {directory} ({exc.strerror}): make it writable by this user or set {variable} elsewhere"
                ) from None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocationMapping(_Strict):
    ion: int = Field(description="ION location id")
    erp: str = Field(
        min_length=1,
        validation_alias=AliasChoices("erp", "netsuite"),
        description="the ERP's location id (`netsuite:` is accepted for NetSuite mappings files)",
    )
    name: str | None = Field(None, description="for people reading the file; not used to match")


class WorkOrderMatching(_Strict):
    run_attribute: str = Field(
        "NetSuite Work Order",
        min_length=1,
        description="the ION run attribute holding the ERP work order (production order) number",
    )


class AttributeMap(_Strict):
    """Where one ERP field goes in ION: the attribute's key, and ERP values that are
    spelled differently in the attribute's options (unlisted values are copied as they are)."""

    attribute: str = Field(min_length=1, description="the ION attribute key (exact, case-sensitive)")
    values: dict[str, str] = Field(default_factory=dict, description="ERP value -> ION option, where they differ")

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: Any) -> Any:
        return {"attribute": value} if isinstance(value, str) else value


class PurchasingMappings(_Strict):
    """How ERP purchase orders and ION purchase orders find each other, and which ERP
    fields become which ION attributes (seed 002, "PO setup attributes")."""

    po_number_attribute: str = Field(
        "Netsuite PO Number", min_length=1, description="ION PO attribute holding the ERP PO number (the join key)"
    )
    line_number_attribute: str = Field(
        "Netsuite Line Number", min_length=1, description="ION PO line attribute holding the ERP PO line number"
    )
    vendor_id_attribute: str = Field(
        "Netsuite Vendor Id", min_length=1, description="ION supplier attribute holding the ERP vendor internal id"
    )
    payment_terms_attribute: str | None = Field(
        "Payment Terms", description="ION supplier attribute that receives the vendor's terms (none: not copied)"
    )
    header_attributes: dict[str, AttributeMap] = Field(
        default_factory=dict,
        description="ERP PO field (department, location, class, custbody_*) -> ION purchase order attribute",
    )
    line_attributes: dict[str, AttributeMap] = Field(
        default_factory=dict,
        description="ERP PO line field (department, class, custcol_*) -> ION purchase order line attribute",
    )
    currencies: dict[str, int] = Field(
        default_factory=dict, description="ERP currency internal id -> ION currency id (unmapped: ION's default)"
    )
    receivable_statuses: list[str] = Field(
        default_factory=lambda: ["B", "D", "E"],
        description="ERP PO status letters that still expect receipts: new POs in them are created in ION",
    )


class LaborMapping(_Strict):
    """labor-sync: who an ION user is in ERP, what labor is booked as, which customers pay cost-plus."""

    employees: dict[str, str] = Field(default_factory=dict, description="ION user email (or user id) -> ERP employee internal id")
    service_item: str | None = Field(None, description="ERP service item (internal id) time entries are booked to")
    customer_attribute: str = Field(
        "Customer", min_length=1, description="the ION run attribute naming the customer the run is built for"
    )
    cost_plus_customers: dict[str, str] = Field(
        default_factory=dict, description="customer (run attribute value) -> ERP customer internal id; only these post"
    )
    default_customer: str | None = Field(
        None, description="ERP customer for runs without the customer attribute; unset: such runs are not cost-plus"
    )
    department: str | None = Field(None, description="ERP department (internal id) on every time entry")
    classification: str | None = Field(None, description="ERP class (internal id) on every time entry")
    time_zone: str = Field("UTC", description="IANA zone whose calendar date a session is booked on (its check-in)")
    max_session_hours: float = Field(24.0, gt=0, description="a longer session is a dead letter (a forgotten check-out)")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {zone!r}: use an IANA name such as America/Los_Angeles") from None
        return zone

    def employee_for(self, user_id: int | str | None, email: str | None) -> str | None:
        by_key = {key.strip().lower(): value for key, value in self.employees.items()}
        return by_key.get((email or "").strip().lower()) or by_key.get(str(user_id))

    def customer_for(self, value: str | None) -> str | None:
        """The ERP customer of a run whose customer attribute is `value`; None: not cost-plus."""
        if value is None or not value.strip():
            return self.default_customer
        return self.cost_plus_customers.get(value.strip())


class ThreeWayMatchMapping(_Strict):
    """three-way-match: when two quantities or prices agree (the join keys are `purchasing`'s)."""

    quantity_tolerance: float = Field(0.0001, ge=0, description="quantities closer than this agree")
    rate_tolerance: float = Field(0.005, ge=0, description="unit prices closer than this agree")


class ErpMappings(_Strict):
    """One ERP's mappings (`netsuite:`, `business_central:`, `odoo:` in the mappings file)."""

    locations: list[LocationMapping] = Field(default_factory=list)
    items: dict[str, str] = Field(default_factory=dict, description="ION part number -> ERP item name, where they differ")
    work_orders: WorkOrderMatching = WorkOrderMatching()
    purchasing: PurchasingMappings = PurchasingMappings()
    labor: LaborMapping = LaborMapping()
    three_way_match: ThreeWayMatchMapping = ThreeWayMatchMapping()

    @field_validator("locations")
    @classmethod
    def _one_target_per_location(cls, locations: list[LocationMapping]) -> list[LocationMapping]:
        seen: set[int] = set()
        for mapping in locations:
            if mapping.ion in seen:
                raise ValueError(f"ION location {mapping.ion} is mapped twice")
            seen.add(mapping.ion)
        return locations

    @property
    def location_map(self) -> dict[int, str]:
        return {m.ion: m.erp for m in self.locations}

    def item_name(self, part_number: str) -> str:
        return self.items.get(part_number, part_number)

    def part_number(self, item_name: str) -> str:
        """The ION part number of a ERP item (the `items` map read backwards)."""
        return next((part for part, item in self.items.items() if item == item_name), item_name)


class ArenaMappings(_Strict):
    parts: dict[str, str] = Field(
        default_factory=dict, description="Arena item number -> ION part number, only for parts whose numbers differ"
    )
    request_category_guid: str | None = Field(
        None, min_length=1, description="GUID of the request category NCRs are filed in (GET /settings/requests/categories)"
    )
    request_number_prefix: str | None = Field(
        None,
        min_length=1,
        description="number sequence prefix of those requests, e.g. 'MCR-' (GET /settings/requests/numbersequenceprefixes)",
    )
    file_category_guid: str | None = Field(
        None,
        min_length=1,
        description="GUID of the file category of as-built files (GET /settings/files/categories); unset = Arena's default",
    )

    @field_validator("parts")
    @classmethod
    def _one_to_one(cls, parts: dict[str, str]) -> dict[str, str]:
        doubled = sorted({n for n in parts.values() if list(parts.values()).count(n) > 1})
        if doubled:
            raise ValueError(f"ION part number(s) {', '.join(doubled)} mapped from more than one Arena item")
        return parts


class QuickBooksAccounts(_Strict):
    """The five account NAMES of the QuickBooks setup (seed 001, setup step 4), resolved to ids on every run."""

    accounts_payable: str = Field(min_length=1, description="Accounts Payable account of every purchase order")
    income: str = Field(min_length=1, description="Income account of items created for ION parts")
    inventory_asset: str = Field(min_length=1, description="Inventory Asset account of items created for ION parts")
    inventory_expense: str = Field(
        min_length=1, description="Cost of Goods Sold account of new items; default account of lines without a part"
    )
    fees: str = Field(min_length=1, description="account every purchase-order fee (shipping, taxes...) is booked to")


class QuickBooksMappings(_Strict):
    accounts: QuickBooksAccounts
    class_attribute: str | None = Field(
        None, min_length=1, description="ION PO line SELECT attribute naming the QuickBooks class (exact, case-sensitive)"
    )
    expense_attribute: str | None = Field(
        None, min_length=1, description="ION PO line SELECT attribute naming the expense account (exact, case-sensitive)"
    )


class AcceptanceCriterion(_Strict):
    """Seed 002 rule 10: every integration ships with a defined acceptance criterion, owner and
    SLA, so user acceptance ends on a date with a yes or a no. `ion-sync acceptance` proves the
    criterion with one marked test record and writes the report the owner signs."""

    criterion: str = Field(min_length=1, description="what must be true for the customer to accept the integration")
    owner: str = Field(min_length=1, description="who accepts it (name and email): the person who signs the report")
    sla: str = Field(
        min_length=1, description="the agreed service level, e.g. 'a completed run is in NetSuite within 45 minutes'"
    )


class Mappings(_Strict):
    netsuite: ErpMappings = ErpMappings()
    business_central: ErpMappings | None = None
    odoo: ErpMappings | None = None
    ramp: RampMappings = RampMappings()
    arena: ArenaMappings = ArenaMappings()
    quickbooks: QuickBooksMappings | None = None
    acceptance: dict[str, AcceptanceCriterion] = Field(
        default_factory=dict, description="integration name -> its acceptance criterion, owner and SLA (seed 002 rule 10)"
    )

    def erp(self, name: ErpName) -> ErpMappings:
        """The section of ERP `name`; a ConfigError when the file has none (NetSuite's defaults)."""
        section = {"netsuite": self.netsuite, "business-central": self.business_central, "odoo": self.odoo}[name]
        if section is None:
            key = name.replace("-", "_")
            raise ConfigError(f"the mappings file has no {key}: section: add it (config/example.yaml shows its shape)")
        return section


def read_yaml(text: str) -> Any:
    """Safe YAML through libyaml's C parser where PyYAML has it (its wheels do): ten times the
    pure-Python parser's speed, and the mappings file and prefect.yaml are read on every run."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load_mappings(path: Path) -> Mappings:
    """Read and validate the mappings file; any problem is a ConfigError saying where."""
    if not path.is_file():
        raise ConfigError(f"mappings file not found: {path} (set ION_SYNC_CONFIG to its path; config/example.yaml is a template)")
    try:
        raw = read_yaml(path.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"ION_SYNC_CONFIG={path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}): "
            "point ION_SYNC_CONFIG at the YAML mappings file, saved as UTF-8 (config/example.yaml is a template)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"ION_SYNC_CONFIG={path} cannot be read ({exc.strerror}): make it a file this user can read") from None
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())
        raise ConfigError(
            f"ION_SYNC_CONFIG={path}: not valid YAML ({problem}): fix the file (config/example.yaml is a template)"
        ) from None
    try:
        return Mappings.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{field_path(e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False))
        raise ConfigError(f"{path}: {problems}") from None
