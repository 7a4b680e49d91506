"""Onshape behind the PLM port: `open_onshape(env, ledger)` (tasks/plm.py ADAPTERS["onshape"]).

Reads: released parts and assemblies (`items`), multi-level eBOMs at each revision's version
(`boms`), releases as engineering changes by polling (`changes`; webhooks trigger runs).
Writes: nonconformances, inspection results and traceability as comments on the released
revision (`feedback.py`). Onshape has no routings (no routing or operation object in its API)
and no as-built record: those capabilities are None, so a flow asking for them stops with one
ConfigError naming Onshape (README, "PLM port").
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from connectors.errors import ConfigError
from connectors.onshape import AnnualLimitReached, OnshapeClient
from core.environment import Environment
from ledger import Ledger
from plm.onshape.engineering import OnshapeBoms, OnshapeChanges, OnshapeItems
from plm.onshape.feedback import Revisions, inspections, nonconformances, traceability
from plm.port import PlmAdapter, Usage

LACKS = frozenset({"routings", "as_built"})  # no routing or operation object, no as-built record (module docstring)


async def check_company(onshape: OnshapeClient) -> None:
    """ConfigError before any write when the key cannot read the company's revisions."""
    companies = await onshape.get("/companies")
    ids = {str(c.get("id")) for c in (companies or {}).get("items", []) if isinstance(c, dict)}
    if onshape.settings.company_id not in ids:
        raise ConfigError(
            f"ONSHAPE_COMPANY_ID={onshape.settings.company_id} is not a company of this key's user "
            f"(GET /companies lists {', '.join(sorted(ids)) or 'none'})"
        )


def onshape_adapter(onshape: OnshapeClient) -> PlmAdapter:
    """The adapter over an open client (the PLM-port contract suite builds it over the simulator)."""
    settings = onshape.settings
    items = OnshapeItems(onshape, settings.released_element_types)
    revisions = Revisions(onshape)

    async def check() -> None:
        await check_company(onshape)

    return PlmAdapter(
        name="Onshape",
        key="onshape",
        check=check,
        usage=lambda: Usage(onshape.requests),
        stops=(AnnualLimitReached,),
        items=items,
        boms=OnshapeBoms(onshape),
        changes=OnshapeChanges(items),
        nonconformances=nonconformances(onshape, revisions),
        inspections=inspections(onshape, revisions),
        traceability=traceability(onshape, revisions),
    )


@asynccontextmanager
async def open_onshape(env: Environment, ledger: Ledger) -> AsyncIterator[PlmAdapter]:
    """`tasks.plm.ADAPTERS["onshape"]`: the client for the run (Onshape keeps no session: the
    ledger is not needed), the adapter over it."""
    async with OnshapeClient(env.onshape) as onshape:
        yield onshape_adapter(onshape)
