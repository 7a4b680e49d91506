"""NetSuite behind the ERP port: the capabilities of `erp.port` that NetSuite supports."""

from __future__ import annotations

from connectors.netsuite import NetSuiteClient
from core.environment import Environment
from erp.netsuite.completions import NetSuiteCompletions
from erp.netsuite.item_receipts import NetSuiteReceipts
from erp.netsuite.references import check_netsuite_locations
from erp.port import ErpAdapter


def netsuite_adapter(client: NetSuiteClient, env: Environment) -> ErpAdapter:
    """NetSuite for one flow run, through `client` (open while the flow uses the adapter)."""
    mappings = env.mappings.netsuite
    return ErpAdapter(
        name="NetSuite",
        concurrency=client.settings.concurrency,
        check_mappings=lambda: check_netsuite_locations(client, env),
        completions=NetSuiteCompletions(client, mappings),
        receipts=NetSuiteReceipts(client, mappings),
    )
