"""Onshape behind the PLM port (plm/port): released revisions, eBOMs and releases in; NCRs,
inspection results and traceability out as comments on the released revision."""

from plm.onshape.adapter import LACKS, open_onshape

__all__ = ["LACKS", "open_onshape"]
