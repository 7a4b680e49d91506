"""`ion-sync preflight business-central` against the simulator in process: all PASS on the demo
company; a missing production API page group, an unknown mapped location or item, and an
environment that does not offer purchase orders to webhooks each FAIL saying how to fix it."""

from __future__ import annotations

import httpx

from connectors.business_central import BusinessCentralClient
from erp.business_central.preflight import preflight_checks
from sandbox.business_central import BusinessCentralSimConfig
from tests.business_central_helpers import InProcessBc, settings_for


def factory(bc: InProcessBc):  # type: ignore[no-untyped-def]
    return lambda: BusinessCentralClient(settings_for(bc.config), transport=httpx.ASGITransport(app=bc.app))


async def test_the_demo_company_passes() -> None:
    bc = InProcessBc()
    checks = await preflight_checks(factory(bc), ["HAWTHORNE", "LONGBEACH"], ["BRACKET-0007"])
    assert checks and all(c.ok for c in checks), [c.line() for c in checks if not c.ok]


async def test_what_is_missing_fails_saying_how_to_fix_it() -> None:
    bc = InProcessBc(BusinessCentralSimConfig(custom_api_installed=False, webhook_resources=["vendors"]))
    checks = await preflight_checks(factory(bc), ["HAWTHORNE", "MAIN"], ["BRACKET-0007", "NO-SUCH-ITEM"])
    failed = {c.name: c for c in checks if not c.ok}
    assert set(failed) == {
        "read api/ionsync/production/v1.0/releasedProductionOrders",
        "read api/ionsync/production/v1.0/productionJournals",
        "read api/ionsync/production/v1.0/locationInventories",
        "Mapped locations exist",
        "Mapped items exist",
        "Webhooks offer purchaseOrders",
    }
    assert "install the ion-sync production API page group" in failed["read api/ionsync/production/v1.0/productionJournals"].fix
    assert "MAIN" in failed["Mapped locations exist"].detail and "NO-SUCH-ITEM" in failed["Mapped items exist"].detail
