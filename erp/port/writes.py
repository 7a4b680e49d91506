"""What a writing capability of the ERP port hands back for one page (`PlannedWrites`, shared
with the PLM port, lives beside the engine in core/writer.py)."""

from core.writer import PlannedWrites

__all__ = ["PlannedWrites"]
