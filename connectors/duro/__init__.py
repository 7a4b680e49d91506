"""Duro PLM: GraphQL over httpx with a library API key, Relay cursor paging and Duro's errors.

Follows Duro's developer docs (docs.durohub.com) and the sources listed, fact by fact with
their confidence, in connectors/duro/README.md.
"""

from connectors.duro.client import DuroClient, StaleVersion
from connectors.duro.settings import DuroSettings

__all__ = ["DuroClient", "DuroSettings", "StaleVersion"]
