"""What the mappings name in Business Central, looked up once per run: location codes and ids."""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.business_central import BusinessCentralClient
from connectors.errors import ConfigError
from core.config import ErpMappings


@dataclass
class BcReferences:
    bc: BusinessCentralClient
    mappings: ErpMappings
    location_codes: dict[str, str] = field(default_factory=dict)  # BC location id (lower-case) -> code
    location_ids: dict[str, str] = field(default_factory=dict)  # code -> id

    async def load(self) -> None:
        if not self.location_codes:
            for row in await self.bc.all("locations"):
                self.location_codes[str(row["id"]).lower()] = str(row["code"])
                self.location_ids[str(row["code"])] = str(row["id"]).lower()

    async def check_locations(self) -> None:
        """Every BC location code the mappings name exists (a typo stops the run before any write)."""
        await self.load()
        missing = sorted({m.erp for m in self.mappings.locations} - self.location_ids.keys())
        if missing:
            raise ConfigError(
                f"business_central.locations names location code(s) {', '.join(missing)}, not in Business Central "
                f"(it has {', '.join(sorted(self.location_ids)) or 'none'}): fix the mappings file"
            )
