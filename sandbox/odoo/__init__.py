"""The Odoo simulator (16-19): JSON-2 and JSON-RPC, the receipt and manufacturing wizards, faults."""

from sandbox.odoo.app import create_app
from sandbox.odoo.config import OdooSimConfig

__all__ = ["OdooSimConfig", "create_app"]
