"""An ERP the flows can be pointed at (`tasks.erp.ADAPTERS`) passes the ERP-port contract suites:
it has its entry in `erps.ERPS`."""

from __future__ import annotations

from tasks.erp import ADAPTERS
from tests.contract.erp_port.erps import ERPS


def test_every_erp_the_flows_can_use_runs_the_contract_suites() -> None:
    missing = set(ADAPTERS) - {erp.name for erp in ERPS}
    assert not missing, f"add an Erp entry to tests/contract/erp_port/erps.py for {sorted(missing)} (its docstring says how)"
