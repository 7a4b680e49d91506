"""preflight: the go-live checks of `ion-sync preflight`, as a flow a person runs from the
Prefect UI before switching an integration on. It publishes the PASS/FAIL table as an
artifact (key `preflight`) and fails when any check fails, so an automation can see it."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_table_artifact
from prefect.states import Completed, Failed, State

from tasks.preflight import Target, run_preflight, summary_line


def run_name() -> str:
    from prefect.runtime import flow_run

    return "preflight-" + "-".join(flow_run.parameters.get("systems") or ["all"])


@flow(name="preflight", flow_run_name=run_name)
async def preflight(systems: list[Target] | None = None) -> State:
    """Run the read-only go-live checks of `systems` (default: every system)."""
    checks = await run_preflight(systems or ["all"])
    await acreate_table_artifact(
        key="preflight", table=[c.row() for c in checks], description=f"Go-live checks: {summary_line(checks)}"
    )
    logger = get_run_logger()
    for check in checks:
        (logger.info if check.ok else logger.error)("%s", check.line())
    message = summary_line(checks)
    return Failed(message=message) if any(not c.ok for c in checks) else Completed(message=message)
