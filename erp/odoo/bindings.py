"""How ion-sync makes every Odoo write findable without idempotency keys: the ledger key as an
external id (`ir.model.data`, module `ion_sync`) on the record the write finished.

Odoo keeps external ids in `ir.model.data` (`module`, `name`, `model`, `res_id`; `module.name`
unique) [ODOO-IMD]; they are ordinary records, so the API can search and create them. A receipt
or a completion is several calls (each its own transaction [ODOO-JSON2]): bind the key to the
picking or manufacturing order first, then set quantities, then validate. `find` asks: is the
bound record done? Bound but not done = an attempt that stopped half-way: the next attempt
resumes on the same record instead of choosing another.

Every step is either idempotent (quantities are absolute values) or checked first (the bind, the
done state), so a write retries itself on transient errors: each attempt starts by asking
whether the record landed (`land`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from connectors.errors import TransientError
from connectors.odoo import OdooClient
from connectors.retry import retrying

MODULE = "ion_sync"


def xmlid_name(key: str) -> str:
    """`ion:receipt:7:po:2` → `ion_receipt_7_po_2` (external id names avoid `.`; INFERENCE: kept to [A-Za-z0-9_])."""
    return re.sub(r"[^A-Za-z0-9_]", "_", key)


def xmlid(key: str) -> str:
    return f"{MODULE}.{xmlid_name(key)}"


async def bound(odoo: OdooClient, key: str, model: str) -> int | None:
    """The id of the `model` record `key` is bound to, or None."""
    rows = await odoo.search_read(
        "ir.model.data", [["module", "=", MODULE], ["name", "=", xmlid_name(key)], ["model", "=", model]], ["res_id"], limit=1
    )
    return int(rows[0]["res_id"]) if rows else None


async def bind(odoo: OdooClient, key: str, model: str, record_id: int) -> int:
    """Bind `key` to the record, unless an earlier attempt did: the record it is bound to."""
    existing = await bound(odoo, key, model)
    if existing is not None:
        return existing
    values = {"module": MODULE, "name": xmlid_name(key), "model": model, "res_id": record_id, "noupdate": True}
    await verified(lambda: odoo.create("ir.model.data", values), lambda: _is_bound(odoo, key, model))
    holders = await odoo.search_read(
        "ir.model.data", [["module", "=", MODULE], ["model", "=", model], ["res_id", "=", record_id]], ["name"], order="id"
    )
    if holders and holders[0]["name"] != xmlid_name(key):  # another write (an overlapping run) bound it first
        await unbind(odoo, key, model)
        raise TransientError(f"Odoo {model} {record_id} is being written for {holders[0]['name']}: tried again next run")
    return record_id


async def unbind(odoo: OdooClient, key: str, model: str) -> None:
    """Release the record a write that cannot finish had bound (its dead letter replays from scratch)."""
    rows = await odoo.search_read(
        "ir.model.data", [["module", "=", MODULE], ["name", "=", xmlid_name(key)], ["model", "=", model]], ["id"]
    )
    if rows:
        await odoo.call("ir.model.data", "unlink", [int(r["id"]) for r in rows])


async def _is_bound(odoo: OdooClient, key: str, model: str) -> bool:
    return await bound(odoo, key, model) is not None


async def verified(step: Callable[[], Awaitable[object]], landed: Callable[[], Awaitable[bool]]) -> None:
    """A step before the last one: when its answer is lost (the write may have committed), ask
    whether it landed instead of failing the whole write; the last step's lost answer is the
    engine's to settle (`find`)."""
    try:
        await step()
    except TransientError as exc:
        if not exc.uncertain or not await landed():
            raise


async def done_record(odoo: OdooClient, key: str, model: str) -> int | None:
    """`find` for a bound write: the record's id if it is bound and `state` done, else None."""
    record_id = await bound(odoo, key, model)
    if record_id is None:
        return None
    rows = await odoo.search_read(model, [["id", "=", record_id]], ["state"])
    return record_id if rows and rows[0].get("state") == "done" else None


async def land(odoo: OdooClient, key: str, model: str, attempt: Callable[[], Awaitable[int]]) -> int:
    """Run `attempt` until the record bound to `key` is done, retrying transient errors with the
    client's policy; every try first asks whether an earlier one already landed."""
    async for trying in retrying(odoo.settings.retry):
        with trying:
            found = await done_record(odoo, key, model)
            return found if found is not None else await attempt()
    raise AssertionError("unreachable")  # pragma: no cover
