"""Rows read through a port (dataclasses), as the frames the comparison rules take."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd


def rows_frame(rows: Iterable[Any], columns: list[str], numbers: Iterable[str] = ()) -> pd.DataFrame:
    """A frame of dataclass rows with these columns, the `numbers` columns numeric even when it
    is empty (integers stay integers, so a report prints 40, not 40.0)."""
    frame = pd.DataFrame([[getattr(row, column) for column in columns] for row in rows], columns=columns)
    for column in numbers:
        frame[column] = pd.to_numeric(frame[column])
    return frame
