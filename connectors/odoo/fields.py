"""Field and model names that differ between Odoo versions (README "Versions", each with its source).

- 17.0 replaced `stock.move.quantity_done` and `stock.move.line.qty_done` with `quantity` plus a
  `picked` flag, and removed the immediate-transfer wizard (`stock.immediate.transfer`) that 16
  returns from `button_validate` when nothing was set as done [ODOO-STOCK-16], [ODOO-STOCK-17].
- Lots and serials are `stock.lot` from 16.0 (`stock.production.lot` before) [ODOO-LOT].
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OdooFields:
    """The names ion-sync writes for one major version."""

    version: int

    @property
    def move_done(self) -> str:
        """The done quantity of a `stock.move`."""
        return "quantity" if self.version >= 17 else "quantity_done"

    @property
    def line_done(self) -> str:
        """The done quantity of a `stock.move.line`."""
        return "quantity" if self.version >= 17 else "qty_done"

    @property
    def picks(self) -> bool:
        """17+: a done quantity counts only on a move marked `picked`."""
        return self.version >= 17

    def done(self, quantity: float) -> dict[str, object]:
        """The values that make `quantity` the done quantity of a move or move line."""
        return {self.move_done: quantity, **({"picked": True} if self.picks else {})}

    def line(self, quantity: float) -> dict[str, object]:
        return {self.line_done: quantity, **({"picked": True} if self.picks else {})}

    lot_model: str = "stock.lot"
