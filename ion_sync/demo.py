"""`make demo`: every integration against the local simulators, on the embedded defaults.

Starts the ION and NetSuite simulators with the demo factory, points ion-sync at them (a
fresh SQLite ledger and reports folder under `.demo/`), runs each deployment of
`prefect.yaml` in process on the ephemeral Prefect API, and prints one line per run:
`<deployment-name> <final state> posted=<N> dead_letters=<M>`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from connectors.errors import InfrastructureError
from ion_sync.demo_webhooks import (
    DEMO_BC_CLIENT_STATE,
    business_central_notification,
    fix_unmapped_location,
    run_triggered,
    send_deliveries,
    start_receiver,
)
from ion_sync.deployments import PROJECT_ROOT, load_deployments
from ion_sync.ramp_demo import seed_ramp_demo
from ion_sync.runner import RunResult, run_deployment
from ion_sync.sandbox import start_sandbox

DEMO_DIR = PROJECT_ROOT / ".demo"
# consumption first: the reconciliation then shows what the completions moved in NetSuite;
# purchase orders before the receipts against them, the 3-way match after both.
# Go-live checks first (README "Go-live: preflight and acceptance"): every system, read-only.
ORDER = [
    "preflight",
    "consumption-sync",
    "inventory-reconciliation",
    "purchase-order-sync",
    "receipt-sync",
    "labor-sync",
    "three-way-match",
]
# Business Central and Odoo: the same six flows (`erp: business-central`, `erp: odoo`), after NetSuite's.
ORDER += [f"{name}-{erp}" for erp in ("business-central", "odoo") for name in ORDER[1:7]]
# Ramp: suppliers first (POs need their vendors), then POs, then receipts against them, then Ramp's decisions.
ORDER += ["ramp-supplier-import", "ramp-purchase-order-sync", "ramp-receipt-sync", "ramp-approval-sync"]
# QuickBooks: items, then the ordered POs that use them.
ORDER += ["quickbooks-item-sync", "quickbooks-purchase-order-sync"]
# PLM (per PLM, the port's flows): parts before the BOMs and procedures that use them, then
# changes, then what the shop floor learned: as-built and NCRs, inspection results, traceability.
PLM_FLOWS = ["part", "bom", "routing", "change", "feedback", "inspection", "traceability"]
ORDER += [f"plm-{flow}-sync-{plm}" for plm in ("arena", "duro", "onshape") for flow in PLM_FLOWS]
# Operations last: keep BC's webhook subscription, drain what no trigger handled, replay fixed dead
# letters, then report health.
ORDER += ["business-central-subscriptions", "ion-event-drain", "dead-letter-replay", "integration-health"]
# The drain takes the demo's events at once (no grace period); the replay really replays.
DEMO_PARAMETERS: dict[str, dict[str, Any]] = {"ion-event-drain": {"grace_minutes": 0}, "dead-letter-replay": {"dry_run": False}}


def run_demo(workdir: Path = DEMO_DIR) -> list[RunResult]:
    shutil.rmtree(workdir, ignore_errors=True)
    try:
        sandbox = start_sandbox(workdir / "sandbox")
    except OSError as exc:
        raise InfrastructureError(f"the demo cannot write {workdir} ({exc.strerror}): pass a writable --workdir") from exc
    os.environ.update(sandbox.env)
    os.environ["ION_SYNC_DATABASE_URL"] = f"sqlite:///{workdir / 'ledger.db'}"
    os.environ["ION_SYNC_REPORTS_DIR"] = str(workdir / "reports")
    # Stored OAuth tokens (QuickBooks) are encrypted at rest, as in production.
    os.environ.setdefault("ION_SYNC_CREDENTIALS_KEY", Fernet.generate_key().decode())
    print(f"Simulators: ION {sandbox.ion.url}  NetSuite {sandbox.netsuite.url}")
    if sandbox.business_central is not None:
        print(f"            Business Central {sandbox.business_central.url}")
    print(f"Ramp simulator: {sandbox.env['RAMP_BASE_URL']}; ION purchase orders for Ramp: {seed_ramp_demo(sandbox.env)}")
    if sandbox.arena is not None:
        print(f"            Arena {sandbox.arena.url}")
    if sandbox.duro is not None:
        print(f"            Duro {sandbox.duro.url}/graphql")
    if sandbox.onshape is not None:
        print(f"            Onshape {sandbox.onshape.url}")
    if sandbox.odoo is not None:
        print(f"            Odoo {sandbox.odoo.url}")
    names = sorted(load_deployments(), key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER))
    results = []
    receiver = start_receiver(os.environ["ION_SYNC_DATABASE_URL"])
    try:
        print(f"\nWebhook receiver: {receiver.server.url}/webhooks/ion", flush=True)
        # business-central-subscriptions keeps the receiver's subscription (made just below) alive
        os.environ["BUSINESS_CENTRAL_WEBHOOK_URL"] = f"{receiver.server.url}/webhooks/business-central"
        os.environ["BUSINESS_CENTRAL_WEBHOOK_SECRET"] = DEMO_BC_CLIENT_STATE
        send_deliveries(sandbox.ion.url, receiver)
        business_central_notification(receiver)
        triggered = run_triggered(receiver.stored)
        for name in names:
            if name == "dead-letter-replay":
                fix_unmapped_location(workdir)
            print(f"\n=== {name} ===", flush=True)
            results.append(run_deployment(name, DEMO_PARAMETERS.get(name)))
            if isinstance(results[-1].error, InfrastructureError):
                raise results[-1].error  # the ledger or its disk: every later run would stop the same way
            if results[-1].error:
                print(f"error: {results[-1].error}", flush=True)  # the console shows no traceback for it
    finally:
        receiver.stop()
        sandbox.stop()
    print("\nTriggered by webhooks")
    for result in triggered:
        print(result.line())
    print("\nSummary")
    for result in results:
        print(result.line())
    print(
        f"\nWhere to look:\n"
        f"  reports (CSV, PNG):  {workdir / 'reports'}\n"
        f"  ledger (SQLite):     {workdir / 'ledger.db'}\n"
        f"  Prefect UI:          these runs are stored in Prefect's local database; run\n"
        f"                       `.venv/bin/prefect server start` and open http://127.0.0.1:4200/runs\n"
        f"                       (artifacts: the run's Artifacts tab, or http://127.0.0.1:4200/artifacts)"
    )
    return results + triggered
