"""The progress artifact moves while a run runs, not only at its end, and not on every page of a
quick run."""

from __future__ import annotations

import asyncio

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterId

from tasks.graph import PageProgress

pytestmark = pytest.mark.usefixtures("prefect_api")


async def shown(progress: PageProgress) -> tuple[float, str]:
    async with get_client() as client:
        [artifact] = await client.read_artifacts(artifact_filter=ArtifactFilter(id=ArtifactFilterId(any_=[progress.artifact])))
    return float(artifact.data), artifact.description or ""  # type: ignore[arg-type]


def test_progress_shows_each_page_as_it_is_handled_with_or_without_a_total():
    @flow(persist_result=False)  # artifacts belong to a run
    async def run() -> list[tuple[float, str]]:
        counted, uncounted, single = (
            PageProgress("t-counted", "runs handled", every=0),
            PageProgress("t-uncounted", "vendors handled", every=0),
            PageProgress("t-one", "runs handled", every=0),
        )
        seen = []
        await counted.advance(200, 500, more=True)
        seen.append(await shown(counted))
        await counted.advance(200, 500, more=True)
        seen.append(await shown(counted))
        await uncounted.advance(100, None, more=None)  # the source does not say whether more follow
        assert uncounted.artifact is None
        await uncounted.advance(100, None, more=None)
        seen.append(await shown(uncounted))
        await uncounted.finish()
        seen.append(await shown(uncounted))
        await single.advance(3, 3, more=False)
        await single.finish()
        assert single.artifact is None  # one page: nothing to watch
        return seen

    assert asyncio.run(run()) == [
        (40.0, "runs handled: 200 of 500 (1 page)"),
        (80.0, "runs handled: 400 of 500 (2 pages)"),
        (0.0, "vendors handled: 200 so far (2 pages; the source gives no total)"),
        (100.0, "vendors handled: 200 in all (2 pages; the source gives no total)"),
    ]


def test_progress_of_quick_pages_moves_at_most_once_an_interval_and_ends_at_100_percent():
    @flow(persist_result=False)
    async def run() -> list[tuple[float, str]]:
        progress = PageProgress("t-quick", "runs handled", every=3600)
        seen = []
        for _ in range(3):
            await progress.advance(100, 400, more=True)
            seen.append(await shown(progress))
        await progress.advance(100, 400, more=False)
        await progress.finish()
        seen.append(await shown(progress))
        return seen

    assert asyncio.run(run()) == [
        (25.0, "runs handled: 100 of 400 (1 page)"),  # the first page shows the run has started
        (25.0, "runs handled: 100 of 400 (1 page)"),
        (25.0, "runs handled: 100 of 400 (1 page)"),
        (100.0, "runs handled: 400 of 400 (4 pages)"),
    ]
