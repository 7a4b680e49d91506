"""The flow-run graph as the Prefect UI draws it, read back from the test Prefect API: the task
runs of one flow run by name, the edges into each (`task_inputs`), and its progress artifact."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterId,
)
from prefect.client.schemas.objects import TaskRun
from prefect.settings import get_current_settings

from tests.prefect_server import drain_prefect_workers


@dataclass
class Graph:
    runs: list[TaskRun]
    progress: tuple[float, str] | None  # the progress artifact's percent and description

    @property
    def names(self) -> set[str]:
        return {r.name for r in self.runs}

    def named(self, prefix: str) -> str:
        """The one task run whose name starts with `prefix` ("publish-report-0a1")."""
        [name] = [n for n in self.names if n.startswith(prefix)]
        return name

    def upstream(self, name: str) -> set[str]:
        """The task runs drawn with an edge into the task run `name`."""
        by_id = {r.id: r.name for r in self.runs}
        [run] = [r for r in self.runs if r.name == name]
        return {by_id[i.id] for inputs in run.task_inputs.values() for i in inputs if getattr(i, "id", None) in by_id}


def read_graph(flow_run_id: UUID | str, integration: str) -> Graph:
    """The client sends task-run states as events and the server records them in the background:
    the events are flushed first, then read until two reads a flush of the server's task-run
    recorder apart agree and every task run has ended (a run read too early missed its last task,
    `publish-report`)."""
    drain_prefect_workers()
    apart = get_current_settings().server.services.task_run_recorder.flush_interval + 0.3

    async def read() -> Graph:
        async with get_client() as client:
            flow_run = FlowRunFilter(id=FlowRunFilterId(any_=[UUID(str(flow_run_id))]))
            runs = await client.read_task_runs(flow_run_filter=flow_run)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                await asyncio.sleep(apart)
                again = await client.read_task_runs(flow_run_filter=flow_run)
                settled = all(r.state is not None and r.state.is_final() for r in again)
                if settled and {(r.id, r.state_type) for r in again} == {(r.id, r.state_type) for r in runs}:
                    break
                runs = again
            artifacts = await client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    key=ArtifactFilterKey(any_=[f"{integration}-progress"]),
                    flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(str(flow_run_id))]),
                )
            )
        progress = (float(artifacts[0].data), artifacts[0].description or "") if artifacts else None
        return Graph(runs, progress)

    return asyncio.run(read())
