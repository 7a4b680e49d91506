"""The Duro PLM simulator: one library's components (revisions, children), change orders and
the GraphQL rules Duro documents. Contract and sources: sandbox/duro/SOURCES.md."""

from sandbox.duro.app import create_app
from sandbox.duro.config import DuroSimConfig

__all__ = ["DuroSimConfig", "create_app"]
