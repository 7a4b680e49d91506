"""Report files go through a Prefect filesystem block, and the artifacts point at them."""

from __future__ import annotations

import asyncio

import pandas as pd
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.filesystems import LocalFileSystem

from connectors.errors import ConfigError
from ion_sync.runner import run_deployment
from tasks.report_storage import report_storage

pytestmark = pytest.mark.usefixtures("prefect_api")


def artifacts_of(flow_run_id):
    async def read():
        async with get_client() as client:
            found = await client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
            )
            return {a.key: a for a in found if a.key}

    return asyncio.run(read())


def test_reports_are_written_through_the_named_block_and_linked_and_the_chart_is_shown(world, tmp_path, monkeypatch):
    store = tmp_path / "report-store"
    LocalFileSystem(basepath=str(store)).save("ion-sync-reports-test", overwrite=True)
    monkeypatch.setenv("ION_SYNC_REPORTS_BLOCK", "local-file-system/ion-sync-reports-test")

    reconciliation = run_deployment("inventory-reconciliation")
    assert reconciliation.ok, reconciliation.message
    files = sorted(p.name for p in store.iterdir())
    assert [f.rsplit(".", 1)[1] for f in files] == ["csv", "png"]
    artifacts = artifacts_of(reconciliation.flow_run_id)
    assert (store / files[0]).as_uri() in str(artifacts["inventory-reconciliation-csv"].data)  # a link artifact
    assert (store / files[1]).as_uri() in str(artifacts["inventory-reconciliation-png"].data)
    chart = artifacts["inventory-reconciliation-chart"]
    assert chart.type == "image" and str(chart.data).startswith("data:image/png;base64,")

    match = run_deployment("three-way-match")
    assert match.ok, match.message
    csvs = sorted(store.glob("three-way-match-*.csv"))
    assert len(csvs) == 1 and not pd.read_csv(csvs[0]).empty
    assert csvs[0].as_uri() in str(artifacts_of(match.flow_run_id)["three-way-match-csv"].data)


def test_a_reports_block_that_does_not_exist_says_which_variable_and_how_to_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("ION_SYNC_REPORTS_BLOCK", "local-file-system/no-such-block")
    with pytest.raises(ConfigError, match="ION_SYNC_REPORTS_BLOCK names the block 'local-file-system/no-such-block'"):
        report_storage(tmp_path)
