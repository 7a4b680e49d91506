"""Application settings (ION_SYNC_* variables) and the mappings file.

Mappings are configuration, not code: which NetSuite location an ION location posts to,
which NetSuite item an ION part is when the numbers differ, which run attribute names the
work order. They live in one YAML file (`ION_SYNC_CONFIG`, documented in README), validated
on load so a mistake stops a run before any write.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from platformdirs import user_data_dir
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.errors import ConfigError
from connectors.validation import field_path

DATA_DIR = Path(user_data_dir("ion-sync", appauthor=False))


class AppSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ION_SYNC_", extra="ignore")

    database_url: str = Field(
        default_factory=lambda: f"sqlite:///{DATA_DIR / 'ledger.db'}",
        description="SQLAlchemy URL of the ledger: sqlite:///path or postgresql+psycopg://user@host/db",
    )
    config: Path = Field(Path("ion-sync.yaml"), description="path of the mappings file (YAML)")
    reports_dir: Path = Field(DATA_DIR / "reports", description="where CSV, PNG and JSONL reports are written")

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, url: str) -> str:
        if not url.startswith(("sqlite", "postgresql")):
            raise ValueError("use sqlite:///<file> or postgresql+psycopg://<user>@<host>/<db>")
        return url

    def prepare(self) -> None:
        """Create the local directories a SQLite ledger and the reports need."""
        if self.database_url.startswith("sqlite:///"):
            Path(self.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.reports_dir.mkdir(parents=True, exist_ok=True)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocationMapping(_Strict):
    ion: int = Field(description="ION location id")
    netsuite: str = Field(min_length=1, description="NetSuite location internal id")
    name: str | None = Field(None, description="for people reading the file; not used to match")


class WorkOrderMatching(_Strict):
    run_attribute: str = Field(
        "NetSuite Work Order", min_length=1, description="the ION run attribute holding the NetSuite work order number"
    )


class NetSuiteMappings(_Strict):
    locations: list[LocationMapping] = Field(default_factory=list)
    items: dict[str, str] = Field(default_factory=dict, description="ION part number -> NetSuite item name, where they differ")
    work_orders: WorkOrderMatching = WorkOrderMatching()

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
        return {m.ion: m.netsuite for m in self.locations}

    def item_name(self, part_number: str) -> str:
        return self.items.get(part_number, part_number)


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


class Mappings(_Strict):
    netsuite: NetSuiteMappings = NetSuiteMappings()
    quickbooks: QuickBooksMappings | None = None


def load_mappings(path: Path) -> Mappings:
    """Read and validate the mappings file; any problem is a ConfigError saying where."""
    if not path.is_file():
        raise ConfigError(
            f"mappings file not found: {path} (set ION_SYNC_CONFIG to its path; config/example.yaml is a template)"
        )
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    try:
        return Mappings.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{field_path(e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False))
        raise ConfigError(f"{path}: {problems}") from None
