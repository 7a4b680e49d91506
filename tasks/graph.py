"""What the flow-run graph shows: task runs named by page, the edges between them, progress.

Prefect draws an edge when a task receives another task's future, state or result. Our tasks
receive pages wrapped unexamined (`tasks.arguments`: walking tens of thousands of nested values
costs more than the work), which hides those edges; `step` passes a bare stand-in of each
upstream task run in `wait_for` instead, so fetch → plan → post → report is drawn and nothing
is walked. A page's task runs are named for it ("post page 3 · 200 runs"), never one per record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from prefect import Task
from prefect.artifacts import acreate_progress_artifact, aupdate_progress_artifact
from prefect.client.schemas.objects import State, StateDetails, StateType
from prefect.utilities.engine import get_state_for_result


def after(states: Sequence[State[Any] | None]) -> list[State[Any]]:
    """`wait_for=` these to draw edges from the task runs of `states`: each a bare stand-in with
    the task run's id and a token result (what waiting resolves) instead of the real one, so
    Prefect walks nothing."""
    return [
        State(type=StateType.COMPLETED, data=True, state_details=StateDetails(task_run_id=s.state_details.task_run_id))
        for s in states
        if s is not None
    ]


async def step(
    task: Task[..., Any], *args: Any, name: str, upstream: Sequence[State[Any] | None] = (), **kwargs: Any
) -> tuple[Any, State[Any] | None]:
    """Run an async `task` as the task run `name`, drawn after the task runs of `upstream`; returns
    its result and its final state, for the next step's `upstream` (None when Prefect cannot link
    a result to its run: a number, None)."""
    result = await task.with_options(task_run_name=name)(*args, wait_for=after(upstream), **kwargs)
    linked = get_state_for_result(result)  # the final state Prefect linked to this result object
    return result, linked[0] if linked else None


class PageProgress:
    """A progress artifact (`<integration>-progress`) for a run longer than one page (a backfill),
    moved once per page: the Prefect UI shows how far the run is while it runs."""

    def __init__(self, integration: str, what: str) -> None:
        self.key = f"{integration}-progress"
        self.what = what
        self.done = 0
        self.artifact: UUID | None = None

    async def advance(self, count: int, total: int | None, more: bool) -> None:
        """`count` more records handled, of `total` (the source's count, when it gives one)."""
        self.done += count
        if not total or (self.artifact is None and not more):
            return  # one page, or a source that does not count: nothing to watch
        percent = min(100.0, 100.0 * self.done / total)
        description = f"{self.what}: {self.done:,} of {total:,}"
        if self.artifact is None:
            self.artifact = await acreate_progress_artifact(percent, key=self.key, description=description)
        else:
            await aupdate_progress_artifact(self.artifact, percent, description=description)
