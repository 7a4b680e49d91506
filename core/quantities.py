"""How finely quantities are compared and reported."""

from __future__ import annotations

# 2.4 × 3 is 7.199999… in binary floating point: round away the noise, far below any unit.
QUANTITY_DECIMALS = 6
