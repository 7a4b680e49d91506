"""Odoo (16-19): ORM calls over JSON-2 (19+) or JSON-RPC execute_kw (16-18; deprecated in 19).

Every fact the client relies on, with its source and confidence: connectors/odoo/README.md.
"""

from connectors.odoo.client import OdooClient
from connectors.odoo.fields import OdooFields
from connectors.odoo.settings import OdooSettings

__all__ = ["OdooClient", "OdooFields", "OdooSettings"]
