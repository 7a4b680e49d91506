"""What the flow-run graph shows: task runs named by page, the edges between them, progress.

Prefect draws an edge when a task receives another task's future, state or result. Our tasks
receive pages wrapped unexamined (`tasks.arguments`: walking tens of thousands of nested values
costs more than the work), which hides those edges; `step` passes a bare stand-in of each
upstream task run in `wait_for` instead, so fetch → plan → post → report is drawn and nothing
is walked. A page's task runs are named for it ("post page 3 · 200 runs"), never one per record.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from typing import Any, Generic, NamedTuple, TypeVar
from uuid import UUID

from prefect import Task
from prefect.artifacts import acreate_progress_artifact, aupdate_progress_artifact
from prefect.client.schemas.objects import State, StateDetails, StateType
from prefect.context import FlowRunContext
from prefect.utilities.collections import visit_collection

from connectors.ion import Page
from tasks.arguments import unexamined

P = TypeVar("P")


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
) -> tuple[Any, State[Any]]:
    """Run an async `task` as the task run `name`, drawn after the task runs of `upstream`; returns
    its result and a bare stand-in of its run, for the next step's `upstream`."""
    state = await task.with_options(task_run_name=name)(*args, wait_for=after(upstream), return_state=True, **kwargs)
    result = await state.aresult()
    _forget(result)
    return result, after([state])[0]


def _forget(result: Any) -> None:
    """Drop the links Prefect keeps from `result` (and what it holds) to its task run. They are
    keyed by `id()`, and a list's outlives the list: once a page is freed, a new object at the
    same address (a later step's `wait_for`) would be drawn after that page's task run, a false
    edge (Prefect #20558). The edges here are drawn from `upstream` alone."""
    context = FlowRunContext.get()
    if context is not None:
        visit_collection(result, lambda obj: context.run_results.pop(id(obj), None), return_data=False, max_depth=1)


class PlannedPage(NamedTuple, Generic[P]):
    label: str  # "page 3 · 200 runs": how the page's task runs are named
    plan: P
    state: State[Any] | None  # the plan task's run, the post's `upstream`


def fetch_then_plan(
    fetch: Task[..., Coroutine[Any, Any, Page]],
    fetch_args: Sequence[Any],
    plan: Task[..., Coroutine[Any, Any, P]],
    plan_args: Sequence[Any],
    noun: str,
) -> Callable[[str | None], Awaitable[tuple[Page, PlannedPage[P]]]]:
    """The read side of a paged sync, one call per page (`core.pipeline.pipelined` runs it ahead):
    "fetch page N" as `fetch(*fetch_args, cursor)`, then "plan page N · K <noun>" as
    `plan(*plan_args, nodes)`, drawn after the fetch."""
    numbers = itertools.count(1)

    async def one(cursor: str | None) -> tuple[Page, PlannedPage[P]]:
        n = next(numbers)
        page, fetched = await step(fetch, *fetch_args, cursor, name=f"fetch page {n}")
        label = f"page {n} · {len(page.nodes)} {noun}"
        planned, state = await step(plan, *plan_args, unexamined(page.nodes), name=f"plan {label}", upstream=[fetched])
        return page, PlannedPage(label, planned, state)

    return one


async def fetched_pages(fetch: Task[..., Any], *args: Any) -> AsyncIterator[tuple[int, Page, State[Any] | None]]:
    """Each page of a Relay connection, fetched by the task `fetch(*args, after)` as the task run
    "fetch page N", one at a time as the caller asks (nothing is read ahead of the caller): the
    page's number, the page and the fetch's state (the plan's `upstream`)."""
    cursor: str | None = None
    for number in itertools.count(1):
        page, fetched = await step(fetch, *args, cursor, name=f"fetch page {number}")
        yield number, page, fetched
        if not (page.has_next and page.end_cursor):
            return
        cursor = page.end_cursor


class PageProgress:
    """A progress artifact (`<integration>-progress`) for a run longer than one page (a backfill),
    moved as pages are handled, at most once every `every` seconds (each move is an API call and
    an event the Prefect API records; a page can take a fraction of a second): the Prefect UI
    shows how far the run is while it runs. A source that gives a count (ION's `totalCount`)
    shows "N of total"; one that does not (Ramp's lists, ION with client-side filters) shows the
    records and pages handled so far, at 0 % until the end."""

    def __init__(self, integration: str, what: str, every: float = 5.0) -> None:
        self.key = f"{integration}-progress"
        self.what = what
        self.every = every
        self.done = 0
        self.pages = 0
        self.total: int | None = None
        self.artifact: UUID | None = None
        self._shown_at = 0.0  # time.monotonic() of the last move
        self._lock = asyncio.Lock()  # pages handled at once (core.pipeline) create one artifact

    async def advance(self, count: int, total: int | None, more: bool | None) -> None:
        """`count` more records handled, of `total` (the source's count, when it gives one);
        `more`: pages follow this one (None: the source does not say, so the artifact starts at
        the second page)."""
        self.done += count
        self.pages += 1
        self.total = total or self.total
        if self.pages == 1 and not more:
            return  # one page: nothing to watch
        if self.artifact is None or time.monotonic() - self._shown_at >= self.every:
            await self._show(finished=False)

    async def finish(self) -> None:
        """The run read its last page: 100 %, if the run was long enough to show progress."""
        if self.artifact is not None:
            await self._show(finished=True)

    async def _show(self, finished: bool) -> None:
        pages = f"{self.pages:,} page{'s' if self.pages > 1 else ''}"
        if self.total:
            percent = 100.0 if finished else min(100.0, 100.0 * self.done / self.total)
            description = f"{self.what}: {self.done:,} of {self.total:,} ({pages})"
        else:
            percent = 100.0 if finished else 0.0
            description = f"{self.what}: {self.done:,} {'in all' if finished else 'so far'} ({pages}; the source gives no total)"
        async with self._lock:
            self._shown_at = time.monotonic()
            if self.artifact is None:
                self.artifact = await acreate_progress_artifact(percent, key=self.key, description=description)
            else:
                await aupdate_progress_artifact(self.artifact, percent, description=description)
