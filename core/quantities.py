"""How finely quantities are compared and reported."""

from __future__ import annotations

import math
from collections.abc import Sequence

# 2.4 × 3 is 7.199999… in binary floating point: round away the noise, far below any unit.
QUANTITY_DECIMALS = 6

_SCALE = 10.0**QUANTITY_DECIMALS


def rounded(value: float) -> float:
    """`value` to QUANTITY_DECIMALS as numpy and pandas round (scale, round half to even, unscale),
    not as Python's `round(value, n)`, which differs on some halves (2.675: 2.68 against 2.67):
    plain-Python planning gives exactly the figures the pandas planning did."""
    scaled = value * _SCALE
    return round(scaled) / _SCALE if math.isfinite(scaled) else scaled / _SCALE


def summed(values: Sequence[float]) -> float:
    """The sum of `values` as a pandas group sum takes it (Kahan's compensated summation, in
    order; an infinity is not turned into NaN), not Python's `sum` (naive before 3.12)."""
    total = compensation = 0.0
    for value in values:
        y = value - compensation
        t = total + y
        compensation = t - total - y
        if compensation != compensation:
            compensation = 0.0
        total = t
    return total
