"""The wizards Odoo's validation buttons may answer with, and how ion-sync answers each.

`stock.picking.button_validate` and `mrp.production.button_mark_done` return `True` when done,
or a window action (`res_model`, `context`) asking a question first [ODOO-STOCK-PICKING],
[ODOO-MRP]. ion-sync gives the answers up front, in the context the wizards themselves press the
button with (`ANSWERED`): create the backorder (`skip_backorder`, [ODOO-BACKORDER]), keep ION's
consumption (`skip_consumption`, [ODOO-MRP-CONSUMPTION]), backorder the rest of an MO
(`mo_ids_to_backorder`, [ODOO-MRP-BACKORDER]). So validating is one call, one transaction. A
wizard asked anyway (a customisation) is answered as a person would: created with the action's
context, its button pressed, until `True`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.errors import DataError
from connectors.odoo import OdooClient

ANSWERS = {
    # partial receipt: create the backorder, so the rest stays open [ODOO-BACKORDER]
    "stock.backorder.confirmation": "process",
    # Odoo 16, nothing set as done: ion-sync always sets quantities, so this means none was written
    "stock.immediate.transfer": "process",
    # fewer produced than planned: a backorder MO keeps the rest open [ODOO-MRP-BACKORDER]
    "mrp.production.backorder": "action_backorder",
    # consumption differs from the BoM: ION's as-built consumption is the truth [ODOO-MRP-CONSUMPTION]
    "mrp.consumption.warning": "action_confirm",
}
MAX_QUESTIONS = 4  # a button that keeps asking is a loop, not a question


def answered(model: str, ids: Sequence[int]) -> dict[str, Any]:
    """The context the wizards' own buttons validate with, for these records."""
    if model == "mrp.production":
        return {"skip_backorder": True, "mo_ids_to_backorder": list(ids), "skip_consumption": True}
    return {"skip_backorder": True, "skip_immediate": True}


async def press(odoo: OdooClient, model: str, button: str, ids: Sequence[int], what: str) -> None:
    """Press `button` on the records with the answers given (`answered`), then answer any wizard it still opens."""
    result: Any = await odoo.call(model, button, list(ids), context=answered(model, ids))
    for _ in range(MAX_QUESTIONS):
        if not isinstance(result, dict):
            return
        wizard = result.get("res_model")
        answer = ANSWERS.get(str(wizard))
        if answer is None:
            raise DataError(
                f"{what}: Odoo asked '{result.get('name') or wizard}' ({wizard}), which ion-sync does not answer: finish it in Odoo",
                code="wizard",
            )
        context = result.get("context") or {}
        wizard_id = await odoo.create(str(wizard), {}, context=context)
        result = await odoo.call(str(wizard), answer, [wizard_id], context=context)
    raise DataError(f"{what}: Odoo kept asking questions after {MAX_QUESTIONS} answers", code="wizard")
