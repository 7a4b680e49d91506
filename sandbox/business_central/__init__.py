"""Microsoft Dynamics 365 Business Central API v2.0 simulator, with the ion-sync production API
page group a customer's partner installs (contract: sandbox/business_central/SOURCES.md)."""

from sandbox.business_central.app import create_app
from sandbox.business_central.config import BusinessCentralSimConfig

__all__ = ["BusinessCentralSimConfig", "create_app"]
