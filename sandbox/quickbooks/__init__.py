"""QuickBooks Online Accounting API v3 simulator (contract: ../shared/reference/quickbooks.md)."""

from sandbox.quickbooks.app import create_app
from sandbox.quickbooks.config import QuickBooksSimConfig

__all__ = ["QuickBooksSimConfig", "create_app"]
